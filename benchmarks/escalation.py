"""How long a red alert takes to reach the midwives: from ``RED`` received to the level-1 SMS
handed to the SMS backend.

    python benchmarks/escalation.py [--alerts 200] [--rate 5]

Needs root and Debian's ``postgresql`` (a private server is started, as in production) and the
project's virtualenv; uses loopback only. It starts a private Redis and one dedicated Celery worker
for the ``emergency`` queue (2 processes, as ``deploy/`` runs it), fills the database with health
centres (two on-duty midwives each), volunteers and registered mothers, then sends ``--alerts``
``RED`` reports, ``--rate`` per second, each through the RapidSMS router in this process exactly as
the gateway view does (``receive_sms``). For every alert it measures the time from just before
the report enters the router to the ``sent_at`` of the last of its level-1 SMS in the outbox (the
moment the worker handed it to the backend), and prints ``name=value`` lines with the median, the
95th percentile and the maximum. Target: p95 < 2 s.

The path measured: router -> RED handler -> ``raise_alert`` (alert, ladder rows and level 1:
recipients, texts, one outbox row per midwife, in one transaction) -> on commit,
``deliver_emergency`` per SMS -> the worker claims and sends each (database backend: the hand-over
is a row insert).
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (  # noqa: E402
    PeakMemory,
    child,
    child_environment,
    configure_django,
    emit,
    emit_machine,
    postgres,
    progress,
    redis_server,
    unsaved_pregnancy,
    wait_until,
    with_children,
)

WORK = Path("/tmp/umubyeyi-benchmark-escalation")
CENTRES = 10
ALERT_NUMBER = re.compile(r"RED ALERT (\d+):")
WARMUP = 5


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alerts", type=int, default=200, help="alerts measured (200)")
    parser.add_argument("--rate", type=float, default=5.0, help="alerts sent per second (5)")
    return parser.parse_args()


def build(count: int) -> list[tuple[str, str]]:
    """Health centres with two on-duty midwives each, and ``count`` volunteers each with one
    registered mother. Returns (volunteer phone, mother ID) pairs."""
    from django.utils import timezone

    from maternal.models import Facility, Location, Mother, Pregnancy, Reporter, Staff

    district = Location.objects.create(code="91", name="District", level=Location.Level.DISTRICT)
    district.district = district
    district.save()
    hospital = None
    centres = []
    for n in range(CENTRES):
        village = Location.objects.create(
            code=f"91{n:02d}0101", name=f"Village {n}", level="village", district=district
        )
        if hospital is None:
            hospital = Facility.objects.create(
                code="9999", name="District hospital", kind="hospital", location=village
            )
        centres.append(
            Facility.objects.create(
                code=f"9{n:02d}", name=f"Centre {n}", kind="health_centre", location=village, parent=hospital
            )
        )
    Staff.objects.bulk_create(
        Staff(
            phone=f"+25072{n:07d}",
            name=f"Midwife {n}",
            role=Staff.Role.MIDWIFE,
            facility=centres[n % CENTRES],
            district=district,
            language="en",
        )
        for n in range(2 * CENTRES)
    )
    reporters = Reporter.objects.bulk_create(
        Reporter(
            phone=f"+25078{n:07d}",
            name=f"Volunteer {n}",
            village=centres[n % CENTRES].location,
            facility=centres[n % CENTRES],
            language="en",
            status=Reporter.Status.ACTIVE,
        )
        for n in range(count)
    )
    mothers = Mother.objects.bulk_create(
        Mother(
            identifier=f"1{1980 + n % 25}7{n:010d}",
            id_kind=Mother.IdKind.NATIONAL,
            village=r.village,
            facility=r.facility,
        )
        for n, r in enumerate(reporters)
    )
    today = timezone.localdate()
    lmp = today.replace(day=1).replace(year=today.year - 1) if today.month == 1 else today.replace(day=1)
    Pregnancy.objects.bulk_create(
        unsaved_pregnancy(m, r, last_menstrual_period=lmp, registered_on=today)
        for m, r in zip(mothers, reporters, strict=True)
    )
    return [(str(r.phone), m.identifier) for r, m in zip(reporters, mothers, strict=True)]


def send_red(phone: str, mother: str) -> datetime:
    """One RED through the router, as the gateway view passes it; returns when it arrived."""
    from django.utils import timezone

    from messaging.router import receive_sms

    received = timezone.now()
    receive_sms(
        backend="kannel-backend", identity=phone, text=f"RED {mother} he co", gateway_id=uuid.uuid4().hex
    )
    return received


def level_one_sent() -> dict[int, list[datetime]]:
    """The ``sent_at`` of every delivered level-1 SMS, by alert number."""
    from messaging.models import OutgoingMessage

    sent: dict[int, list[datetime]] = {}
    rows = OutgoingMessage.objects.filter(kind="alert", emergency=True, sent_at__isnull=False)
    for text, sent_at in rows.values_list("text", "sent_at"):
        match = ALERT_NUMBER.match(text)
        assert sent_at is not None  # the query keeps the sent ones only
        if match:
            sent.setdefault(int(match.group(1)), []).append(sent_at)
    return sent


def main() -> None:
    arguments = parse_arguments()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    emit_machine()
    with postgres(WORK / "postgres") as database_url, redis_server(WORK / "redis") as redis:
        configure_django(database_url=database_url, broker_url=redis.url)
        from django.core.management import call_command
        from django.db import connection

        from maternal.models import Alert

        progress("migrating a private PostgreSQL, building centres, staff and volunteers")
        call_command("migrate", verbosity=0)
        senders = build(arguments.alerts + WARMUP)
        worker_command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "emergency"]
        worker_command += ["--concurrency=2", "-l", "warning", "--without-gossip", "--without-mingle"]
        with child(worker_command, env=child_environment(), log=WORK / "celery.log") as worker:
            progress("warming up the emergency worker")
            for phone, mother in senders[:WARMUP]:
                send_red(phone, mother)
            wait_until(lambda: len(level_one_sent()) >= WARMUP, timeout=60, interval=0.2)
            progress(f"sending {arguments.alerts} RED alerts, {arguments.rate:g} per second")
            arrivals: dict[int, datetime] = {}
            started = time.monotonic()
            with PeakMemory({"celery_worker": with_children(worker.pid)}) as memory:
                for n, (phone, mother) in enumerate(senders[WARMUP:]):
                    time.sleep(max(0.0, started + n / arguments.rate - time.monotonic()))
                    received = send_red(phone, mother)
                    alert = Alert.objects.filter(mother_identifier=mother).latest("pk")
                    arrivals[alert.pk] = received
                wait_until(
                    lambda: len(set(level_one_sent()) & set(arrivals)) >= len(arrivals),
                    timeout=120,
                    interval=0.2,
                )
            sent = level_one_sent()
            latencies = sorted(
                (max(sent[number]) - received).total_seconds() for number, received in arrivals.items()
            )
            emit("alerts", len(latencies))
            emit("alerts_per_s", arguments.rate)
            emit("level1_sms_per_alert", sum(len(sent[number]) for number in arrivals) / len(arrivals))
            emit("latency_median_s", statistics.median(latencies))
            emit("latency_p95_s", latencies[max(0, round(0.95 * len(latencies)) - 1)])
            emit("latency_max_s", latencies[-1])
            emit("emergency_worker_peak_rss_mib", memory.peak_mib("celery_worker"))
        connection.close()


if __name__ == "__main__":
    main()
