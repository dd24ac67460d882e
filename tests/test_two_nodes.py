"""Two machines of a multi-machine deployment, on one machine: two complete nodes (each a gunicorn,
an emergency worker, a routine worker and a beat) sharing one PostgreSQL and one Redis. Reports
and RED alerts arrive at both gateways in turn, several at a time, and one node is killed
(SIGKILL of all its processes) midway. A request the dead node did not answer is sent again, with
the same gateway message id, to the other node, as a load balancer or Kannel would.

Afterwards nothing may be lost (every report stored and answered, every alert's level-1 SMS handed
to the gateway) and nothing sent twice. The SMS gateway is a stub of Kannel's ``sendsms`` that
remembers every SMS handed to it (docs/deployment.md, "Several machines").
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from django.db import connection
from django.utils import timezone

from maternal.models import EscalationStep, Staff
from messaging.delivery import DELIVERABLE, SENDING_LEASE
from messaging.models import InboundMessage, OutgoingMessage
from tests.factories import FacilityFactory, PregnancyFactory, ReporterFactory, StaffFactory
from tests.kannel import deployed_environment
from tests.nodes import Node
from tests.outcomes import outcome
from tests.services import RedisServer, SendsmsStub

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

REPORTS_OF_EACH_KIND = 100  # PRE, ANC and RED
VOLUNTEERS = 20  # 15 reports each, under the inbound rate limit (30 in 5 minutes)
SENDERS = 8  # requests in flight at once
# A message the dead node's worker had claimed is sent again when its lease ends, at the next sweep.
SETTLE_TIMEOUT = SENDING_LEASE.total_seconds() + 40.0


@dataclass(frozen=True)
class Report:
    number: int
    phone: str
    text: str

    @property
    def gateway_id(self) -> str:
        return f"two-nodes-{self.number}"


@pytest.fixture
def gateway() -> Iterator[SendsmsStub]:
    stub = SendsmsStub()
    stub.start()
    yield stub
    stub.stop()


@pytest.fixture
def two_nodes(transactional_db, redis_server: RedisServer, gateway: SendsmsStub, tmp_path: Path):
    if connection.vendor != "postgresql":
        pytest.skip(
            "several machines share a database server: PostgreSQL (scripts/test runs this on it); "
            "SQLite is one machine's file"
        )
    redis_server.flush()
    environment = deployed_environment(
        broker_url=redis_server.url,
        gateway_secret=secrets.token_urlsafe(16),
        SMS_BACKEND="kannel-backend",
        KANNEL_SENDSMS_URL=gateway.url,
        SWEEP_INTERVAL_SECONDS="1",
        # Levels 2 and 3 fall after the test: level 1 is what is checked.
        ESCALATE_AFTER_MINUTES="60,60",
    )
    nodes = [
        Node(name, tmp_path / name, broker_url=redis_server.url, env=environment, routine_concurrency=2)
        for name in ("a", "b")
    ]
    try:
        for node in nodes:
            node.start()
        yield nodes, environment["SMS_GATEWAY_SECRET"]
    finally:
        for node in nodes:
            node.stop()
        redis_server.flush()


@pytest.fixture
def reports(transactional_db) -> list[Report]:
    """PRE for new mothers, ANC and RED for registered ones, from volunteers of one health centre
    with two midwives on duty; every text is different."""
    today = timezone.localdate()
    centre = FacilityFactory()
    StaffFactory.create_batch(2, facility=centre, role=Staff.Role.MIDWIFE)
    volunteers = ReporterFactory.create_batch(VOLUNTEERS, facility=centre)
    registered = [
        PregnancyFactory(
            reporter=volunteers[n % VOLUNTEERS],
            last_menstrual_period=today - timedelta(weeks=16),
            registered_on=today - timedelta(weeks=4),
        )
        for n in range(2 * REPORTS_OF_EACH_KIND)
    ]
    texts = []
    for n in range(REPORTS_OF_EACH_KIND):
        last_period = today - timedelta(days=60)
        texts.append(
            (volunteers[n % VOLUNTEERS], f"PRE 119907{5_000_000 + n:010d} {last_period:%d.%m.%Y} 2 1")
        )
        anc, red = registered[2 * n], registered[2 * n + 1]
        texts.append((anc.reporter, f"ANC {anc.mother.identifier} {today:%d.%m.%Y} 2"))
        texts.append((red.reporter, f"RED {red.mother.identifier} he co"))
    return [Report(n, str(volunteer.phone), text) for n, (volunteer, text) in enumerate(texts)]


class Sender:
    """Sends each report to its node's gateway endpoint; a request that gets no answer (the node
    is dead) goes to the other node with the same message id."""

    def __init__(self, nodes: list[Node], secret: str):
        self.nodes = nodes
        self.secret = secret
        self.answered = 0
        self.retried: list[Report] = []
        self.refused: list[tuple[Report, int]] = []
        self._lock = threading.Lock()

    def send(self, report: Report) -> None:
        first = report.number % len(self.nodes)
        for attempt, node in enumerate(self.nodes[first:] + self.nodes[:first]):
            query = {
                "secret": self.secret,
                "id": report.phone,
                "text": report.text,
                "msgid": report.gateway_id,
            }
            try:
                response = requests.get(f"{node.url}/gateway/kannel/", params=query, timeout=30)
            except requests.ConnectionError:
                continue
            with self._lock:
                self.answered += 1
                if attempt:
                    self.retried.append(report)
                if response.status_code != 200:
                    self.refused.append((report, response.status_code))
            return
        with self._lock:
            self.refused.append((report, 0))


def settled(reports: list[Report], gateway: SendsmsStub) -> bool:
    # "sending" included: a message the killed node had claimed is sent again when its lease ends.
    waiting = OutgoingMessage.objects.filter(status__in=DELIVERABLE).exists()
    pending = EscalationStep.objects.filter(level=1, status="pending").exists()
    originals = InboundMessage.objects.filter(duplicate_of=None).count()
    sent = OutgoingMessage.objects.filter(status="sent").count()
    return not waiting and not pending and originals >= len(reports) and len(gateway.sent) >= sent


def stored_rows(phone: str, text: str) -> str:
    """What the database holds for one report: each row with its gateway id and reply."""
    rows = InboundMessage.objects.filter(phone=phone, text=text).order_by("pk")
    return ", ".join(
        f"[{row.pk} msgid={row.gateway_id} retry of {row.duplicate_of_id} reply={row.reply[:30]!r}]"
        for row in rows
    )


def test_reports_and_alerts_survive_the_loss_of_one_of_two_nodes(two_nodes, reports, gateway):
    nodes, secret = two_nodes
    sender = Sender(nodes, secret)
    with ThreadPoolExecutor(max_workers=SENDERS) as pool:
        futures = [pool.submit(sender.send, report) for report in reports]
        while sender.answered < len(reports) // 2:
            time.sleep(0.05)
        nodes[1].kill()
        for future in futures:
            future.result()
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while not settled(reports, gateway) and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(2)  # anything still on its way to the gateway

    assert sender.retried, "no request met the dead node: nothing was tested"
    assert not sender.refused, f"gateway requests not taken (report, HTTP status): {sender.refused}"

    result = outcome([(r.phone, r.text) for r in reports], gateway.sent)
    problems = result.problems()
    # The killed node may have handed an SMS to the gateway and died before marking it sent: when
    # its lease ends it is sent again (gateways take no idempotency key: a rare duplicate rather
    # than a loss). Only such an SMS, claimed twice, may arrive twice.
    twice = {(phone.lstrip("+"), text) for phone, text in problems.pop("delivered_twice", [])}
    claimed_twice = {
        (phone.lstrip("+"), text)
        for phone, text in OutgoingMessage.objects.filter(attempts__gt=1).values_list("phone", "text")
    }
    stored_twice = [f"{text!r}: {stored_rows(phone, text)}" for phone, text in result.stored_twice[:5]]
    assert not problems, (
        f"{ {name: len(found) for name, found in problems.items()} }; stored twice: {stored_twice}"
    )
    assert twice <= claimed_twice, f"delivered twice without a second claim: {twice - claimed_twice}"
    # A gateway retry of an answered report gets the same reply again: only the retried ones may.
    retries = InboundMessage.objects.exclude(duplicate_of=None).values_list("phone", "text")
    assert set(retries) <= {(r.phone, r.text) for r in sender.retried}
