"""The RapidSMS backends that deliver the outbox (``settings.INSTALLED_BACKENDS``), and RapidSMS's
Kannel backend with a timeout: a gateway that hangs must not hold a worker (an emergency worker
above all) until Celery's time limit; the outbox retries the message instead."""

from __future__ import annotations

import functools

import requests
from django.conf import settings
from rapidsms.backends.base import BackendBase
from rapidsms.backends.kannel.outgoing import KannelBackend as RapidSMSKannelBackend

SENDSMS_TIMEOUT_SECONDS = 10


class KannelBackend(RapidSMSKannelBackend):
    def send(self, id_, text, identities, context=None):
        request = self.prepare_request(id_, text, identities, context or {})
        response = requests.get(timeout=SENDSMS_TIMEOUT_SECONDS, **request)
        response.raise_for_status()


@functools.cache
def installed_backend(name: str) -> BackendBase | None:
    """The backend ``name`` of ``INSTALLED_BACKENDS``, built once per process as the RapidSMS router
    builds its own (engine class, lower-cased options); None when no backend has that name.
    Sending needs no router: the outbox hands each message to its backend directly."""
    config = settings.INSTALLED_BACKENDS.get(name)
    if config is None:
        return None
    options = {key.lower(): value for key, value in config.items() if key != "ENGINE"}
    return BackendBase.find(config["ENGINE"])(None, name, **options)
