"""The inbound benchmark's durable floor (``benchmarks/urls.py``): the gateway's authentication,
then one INSERT and nothing else, so that it stays the least a gateway request can cost."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from messaging.models import InboundMessage

pytestmark = pytest.mark.urls("benchmarks.urls")

SECRET = "floor-test-secret"
REQUEST = {"id": "+250788123456", "text": "ANC 1199870012345678 26.11.2026 3", "msgid": "abc123"}


@pytest.fixture
def client(settings, db) -> Client:
    settings.SMS_GATEWAY_SECRET = SECRET
    settings.SMS_GATEWAY_ALLOWED_ADDRESSES = []
    return Client(enforce_csrf_checks=True)


def test_the_floor_stores_the_sms_in_one_insert(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/benchmark/floor/", {"secret": SECRET, **REQUEST})

    assert response.status_code == 200
    assert [query["sql"].split()[0] for query in queries] == ["INSERT"]
    message = InboundMessage.objects.get()
    assert (message.phone, message.text, message.gateway_id) == (REQUEST["id"], REQUEST["text"], "abc123")
    assert message.backend == "kannel-backend"


def test_the_floor_refuses_a_wrong_secret_as_the_gateway_does(client):
    response = client.get("/benchmark/floor/", {"secret": "guess", **REQUEST})

    assert response.status_code == 403
    assert not InboundMessage.objects.exists()
