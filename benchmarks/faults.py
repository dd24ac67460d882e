"""What the system loses or doubles when its parts fail: reports and RED alerts sent by phones
through Kannel while a worker is killed, Redis stops, PostgreSQL restarts and one of two nodes
dies.

    python benchmarks/faults.py [--reports 300] [--rate 2] [--phases worker,redis,postgres,node]

Needs root, Debian's ``postgresql``, ``kannel`` and ``kannel-extras`` (``WITH_POSTGRES=1
WITH_KANNEL=1 scripts/setup``) and the project's virtualenv; uses loopback only and cleans up after
itself (logs stay in /tmp/umubyeyi-benchmark-faults).

The system as deployed, twice over (docs/deployment.md, "Several machines"): a private durable
PostgreSQL and a Redis shared by two nodes, each a gunicorn (DEBUG off, gateway secret), an
emergency worker, a routine worker and a beat (``tests/nodes.py``); Kannel's bearerbox and smsbox
calling the nodes through a load balancer that, like nginx, sends a request the first node could
not answer to the other and closes the connection when none answers (smsbox then retries); and
Kannel's fake SMSC playing the phones. A supervisor restarts any process of a live node that
exits, 2 s later, as systemd does (``Restart=always``).

Each of ``--reports`` volunteers sends one report, ``--rate`` per second: 40 % PRE for a new
mother, 40 % ANC and 20 % RED for her registered mother. Nobody acknowledges, so every alert climbs
the whole ladder (levels 30 s apart, sweeps every 5 s). The reports are split evenly between the
phases; each phase's fault starts with its share:

- ``worker``: SIGKILL of node a's emergency and routine workers (restarted by the supervisor);
- ``redis``: Redis stopped for ``--redis-outage`` seconds (30), then started empty;
- ``postgres``: PostgreSQL restarted (fast shutdown: every connection cut);
- ``node``: SIGKILL of every process of node b, which stays dead.

Then it waits until nothing is due or on its way (the sweeps), runs ``run_due`` once (what it
still finds to send is printed), reads what reached the phones and prints ``name=value`` lines:
reports sent, stored, answered (exactly one reply delivered to the phone), lost (no reply at all),
the duplicates (a report stored twice as an original, an alert raised twice for one RED, a report
answered twice, an SMS delivered more often than the outbox holds it) and the escalation steps
run more than one sweep interval after their due time, in all and for each phase.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import http.server
import io
import itertools
import os
import secrets
import shutil
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (  # noqa: E402
    Periodic,
    configure_django,
    emit,
    emit_machine,
    postgres,
    progress,
    redis_server,
    restart_postgres,
    wait_until,
)
from benchmarks.escalation import build as build_centres  # noqa: E402
from tests.services import LoopbackServer  # noqa: E402

WORK = Path("/tmp/umubyeyi-benchmark-faults")
PHASES = ("worker", "redis", "postgres", "node")
SWEEP_SECONDS = 5
ESCALATE_AFTER_MINUTES = "0.5,0.5"
RESTART_DELAY = 2.0  # deploy/systemd: RestartSec=2
SETTLE_TIMEOUT = 300.0


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=300, help="reports sent, one per volunteer (300)")
    parser.add_argument("--rate", type=float, default=2.0, help="reports sent per second (2)")
    parser.add_argument(
        "--phases", default=",".join(PHASES), help=f"faults, in this order ({','.join(PHASES)})"
    )
    parser.add_argument("--redis-outage", type=float, default=30.0, help="seconds Redis stays away (30)")
    arguments = parser.parse_args()
    arguments.phases = [phase for phase in arguments.phases.split(",") if phase]
    unknown = set(arguments.phases) - set(PHASES)
    if unknown:
        parser.error(f"unknown phases: {', '.join(sorted(unknown))}")
    return arguments


# --- data ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    phone: str
    text: str
    phase: str


def build(count: int, phases: list[str]) -> list[Report]:
    """Health centres with two midwives each (``benchmarks/escalation.py``), an in-charge per
    centre, a maternity on-call at the hospital and a district official, so that every level of
    the ladder has someone to alert; ``count`` volunteers, each with a registered mother. Returns
    one report per volunteer, each text different."""
    from django.utils import timezone

    from maternal.models import Facility, Location, Staff

    volunteers = build_centres(count)
    hospital = Facility.objects.get(kind=Facility.Kind.HOSPITAL)
    centres = Facility.objects.filter(kind=Facility.Kind.HEALTH_CENTRE).order_by("pk")
    district = Location.objects.get(level=Location.Level.DISTRICT)
    ladder: list[tuple[str, Staff.Role, Facility | None]] = [
        (f"+25073{n:07d}", Staff.Role.IN_CHARGE, centre) for n, centre in enumerate(centres)
    ]
    ladder += [("+250740000001", Staff.Role.MATERNITY_ON_CALL, hospital)]
    ladder += [("+250750000001", Staff.Role.DISTRICT_OFFICIAL, None)]
    Staff.objects.bulk_create(
        Staff(
            phone=phone,
            name=f"{role} {phone[-3:]}",
            role=role,
            facility=facility,
            district=district,
            language="en",
        )
        for phone, role, facility in ladder
    )
    today = timezone.localdate()
    last_period = today - timedelta(days=60)
    reports = []
    for n, (phone, mother) in enumerate(volunteers):
        kind = n % 5
        if kind in (0, 1):
            text = f"PRE 119907{5_000_000 + n:010d} {last_period:%d.%m.%Y} 2 1"
        elif kind in (2, 3):
            text = f"ANC {mother} {today:%d.%m.%Y} 1"
        else:
            text = f"RED {mother} he co"
        reports.append((phone, text))
    share = -(-count // max(1, len(phases)))  # the phases' shares of the reports, in order
    return [
        Report(phone, text, phase=phases[n // share] if phases else "")
        for n, (phone, text) in enumerate(reports)
    ]


# --- the load balancer in front of the nodes -----------------------------------------------------


class Balancer(LoopbackServer):
    """Round robin over the nodes' gunicorns, as nginx's ``upstream`` with its defaults: a request
    a node could not answer (refused, reset, closed) goes to the next; when none answers, the
    connection is closed without an answer (``return 444``), which smsbox retries."""

    def __init__(self) -> None:
        self.upstreams: list[str] = []
        self.turn = itertools.count()
        self.passed_on = 0
        balancer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                first = next(balancer.turn)
                for attempt in range(len(balancer.upstreams)):
                    upstream = balancer.upstreams[(first + attempt) % len(balancer.upstreams)]
                    try:
                        status, body = balancer.forward(upstream, self.path)
                    except (OSError, http.client.HTTPException):
                        balancer.passed_on += 1
                        continue
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                self.close_connection = True

            def log_message(self, *args) -> None:
                pass

        super().__init__(Handler)

    @staticmethod
    def forward(upstream: str, path: str) -> tuple[int, bytes]:
        host, port = upstream.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            connection.request("GET", path, headers={"Host": "127.0.0.1"})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()


class Supervisor(Periodic):
    """systemd's ``Restart=always``: a process of a live node that exited is started again
    ``RESTART_DELAY`` seconds later. A node in ``lost`` stays dead."""

    def __init__(self, nodes: list):
        super().__init__(interval=0.5)
        self.nodes = nodes
        self.lost: set[str] = set()
        self.restarts: Counter[str] = Counter()

    def tick(self) -> None:
        for node in self.nodes:
            if node.name in self.lost:
                continue
            roles = {"emergency": node.emergency, "routine": node.routine, "beat": node.beat, "web": node.web}
            for role, process in roles.items():
                if process.process is None or process.process.poll() is not None:
                    time.sleep(RESTART_DELAY)
                    progress(f"restarting node {node.name}'s {role}")
                    process.start()
                    self.restarts[role] += 1


# --- the faults --------------------------------------------------------------------------------


def inject(
    phase: str, *, nodes: list, supervisor: Supervisor, redis, postgres_directory: Path, outage: float
) -> None:
    if phase == "worker":
        for worker in nodes[0].workers:
            worker.kill()
    elif phase == "redis":
        redis.stop()
        time.sleep(outage)
        redis.start()
    elif phase == "postgres":
        restart_postgres(postgres_directory)
    elif phase == "node":
        supervisor.lost.add(nodes[-1].name)
        nodes[-1].kill()
    progress(f"fault {phase}: done")


# --- what became of the reports ----------------------------------------------------------------


def settled() -> bool:
    from maternal.models import EscalationStep
    from messaging.models import OutgoingMessage

    waiting = OutgoingMessage.objects.filter(status__in=["queued", "retrying"]).exists()
    pending = EscalationStep.objects.filter(status="pending").exists()
    return not waiting and not pending


def run_due() -> int:
    """``manage.py run_due`` once, as an operator catching up would: how many SMS it sent."""
    from django.core.management import call_command

    output = io.StringIO()
    call_command("run_due", stdout=output, stderr=io.StringIO())
    return sum(1 for line in output.getvalue().splitlines() if line.startswith("-> "))


def late_steps(sweep: timedelta) -> list[tuple[datetime, float]]:
    """Escalation steps run more than one sweep interval after their due time: (due, delay s)."""
    from maternal.models import EscalationStep

    done = EscalationStep.objects.filter(status="done").values_list("due_at", "ran_at")
    return [(due, (ran - due).total_seconds()) for due, ran in done if ran is not None and ran - due > sweep]


@dataclass(frozen=True)
class Fate:
    """What became of one report."""

    phase: str
    stored: bool
    stored_twice: bool
    replies_delivered: int  # SMS with its reply's text that reached the phone
    told_to_send_again: bool  # smsbox's answer when the app did not take the SMS
    alert_twice: bool


def fates(reports: list[Report], received: list, unavailable_reply: str):
    """Each report's fate, and the rest of ``tests/outcomes.py``'s findings."""
    from messaging.models import OutgoingMessage
    from tests.outcomes import outcome

    result = outcome([(r.phone, r.text) for r in reports], [(sms.receiver, sms.text) for sms in received])
    to_phone: dict[str, list[str]] = {}
    for sms in received:
        to_phone.setdefault(sms.receiver.lstrip("+"), []).append(sms.text)
    replies = OutgoingMessage.objects.filter(in_reply_to__duplicate_of=None)
    reply_to = dict(replies.values_list("in_reply_to__phone", "text"))  # one report per phone
    fates = []
    for report in reports:
        phone = report.phone.lstrip("+")
        texts = to_phone.get(phone, [])
        fates.append(
            Fate(
                phase=report.phase,
                stored=(report.phone, report.text) not in result.not_stored,
                stored_twice=(report.phone, report.text) in result.stored_twice,
                replies_delivered=texts.count(reply_to[report.phone]) if report.phone in reply_to else 0,
                told_to_send_again=unavailable_reply in texts,
                alert_twice=report.text.split()[1] in result.alert_twice,
            )
        )
    return fates, result


def during(phase: str, started: dict[str, datetime], moment: datetime | None) -> bool:
    """Whether ``moment`` falls in ``phase`` (any moment, for the phase ""): after its fault
    started and before the next one did."""
    if not phase:
        return True
    begun = [name for name, start in started.items() if moment and start <= moment]
    return bool(begun) and begun[-1] == phase


def emit_figures(
    reports: list[Report], received: list, unavailable_reply: str, started: dict[str, datetime]
) -> None:
    """The figures in all, then for each phase: its share of the reports, and the SMS queued and
    escalation steps due between its fault's start and the next fault's (``started``)."""
    from maternal.models import EscalationStep
    from messaging.models import InboundMessage, OutgoingMessage

    report_fates, result = fates(reports, received, unavailable_reply)
    late = late_steps(timedelta(seconds=SWEEP_SECONDS))
    emit("inbound_rows", InboundMessage.objects.count())
    emit("gateway_retries_stored", InboundMessage.objects.exclude(duplicate_of=None).count())
    steps = EscalationStep.objects.values_list("due_at", flat=True)
    doubled = [
        OutgoingMessage.objects.filter(identity__in=[phone, f"+{phone}"], text=text)
        .values_list("created_at", flat=True)
        .first()
        for phone, text in result.delivered_twice
    ]
    for phase in ["", *started]:
        prefix = f"{phase}_" if phase else ""
        group = [fate for fate in report_fates if not phase or fate.phase == phase]
        emit(f"{prefix}reports_sent", len(group))
        emit(f"{prefix}reports_stored", sum(fate.stored for fate in group))
        emit(f"{prefix}reports_answered", sum(fate.replies_delivered == 1 for fate in group))
        emit(f"{prefix}reports_lost", sum(fate.replies_delivered == 0 for fate in group))
        emit(f"{prefix}reports_told_to_send_again", sum(fate.told_to_send_again for fate in group))
        emit(f"{prefix}duplicated_inbound", sum(fate.stored_twice for fate in group))
        emit(f"{prefix}duplicated_alerts", sum(fate.alert_twice for fate in group))
        emit(f"{prefix}duplicated_replies", sum(fate.replies_delivered > 1 for fate in group))
        emit(f"{prefix}sms_delivered_twice", sum(during(phase, started, queued) for queued in doubled))
        emit(f"{prefix}escalation_steps_due", sum(during(phase, started, due) for due in steps))
        emit(f"{prefix}escalations_late", sum(during(phase, started, due) for due, _delay in late))
    emit("escalation_steps_run", EscalationStep.objects.filter(status="done").count())
    emit("escalation_max_delay_s", max((delay for _alert, delay in late), default=0.0))
    emit("level1_sms_missing", len(result.level_one_missing))
    emit("level1_sms_twice", len(result.level_one_twice))
    emit("sms_in_outbox", OutgoingMessage.objects.count())
    emit("sms_not_sent", len(result.not_sent))
    emit("sms_not_delivered", len(result.not_delivered))


# --- the run -----------------------------------------------------------------------------------


def main() -> None:
    arguments = parse_arguments()
    from tests.kannel import FakeSmsc, Kannel, missing_kannel_programs

    if missing_kannel_programs():
        sys.exit("Kannel is not installed: WITH_KANNEL=1 scripts/setup (as root)")
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    emit_machine()
    secret = secrets.token_urlsafe(16)
    balancer = Balancer()
    kannel = Kannel(WORK / "kannel", web_url=balancer.url, secret=secret)
    # This process runs run_due at the end: it sends through the same Kannel, on the same timers.
    system = {
        "SMS_GATEWAY_SECRET": secret,
        "SMS_BACKEND": "kannel-backend",
        "SWEEP_INTERVAL_SECONDS": str(SWEEP_SECONDS),
        "ESCALATE_AFTER_MINUTES": ESCALATE_AFTER_MINUTES,
        **kannel.backend_environment(),
    }
    os.environ.update(system)
    with postgres(WORK / "postgres") as database_url, redis_server(WORK / "redis") as redis:
        configure_django(database_url=database_url, broker_url=redis.url)
        from django.core.management import call_command
        from django.db import connection

        from tests.kannel import deployed_environment, running
        from tests.nodes import Node

        progress("migrating a private PostgreSQL, building centres, staff and volunteers")
        call_command("migrate", verbosity=0)
        reports = build(arguments.reports, arguments.phases)
        connection.close()
        environment = deployed_environment(broker_url=redis.url, gateway_secret=secret, **system)
        nodes = [Node(name, WORK / f"node-{name}", broker_url=redis.url, env=environment) for name in "ab"]
        balancer.upstreams = [node.url for node in nodes]
        phones = FakeSmsc(WORK, kannel=kannel)
        balancer.start()
        try:
            progress("starting two nodes, Kannel and the phones")
            with running(*nodes, kannel, phones), Supervisor(nodes) as supervisor:
                started = send(
                    arguments, reports, nodes=nodes, supervisor=supervisor, redis=redis, phones=phones
                )
                settle(phones)
                emit("process_restarts", sum(supervisor.restarts.values()))
                emit("balancer_passed_on", balancer.passed_on)
                emit_figures(reports, phones.received(), Kannel.unavailable_reply, started)
        finally:
            balancer.stop()
            redis.flush()
        connection.close()


def send(
    arguments, reports: list[Report], *, nodes: list, supervisor: Supervisor, redis, phones
) -> dict[str, datetime]:
    """Each report from its phone, ``--rate`` per second; each phase's fault (in a thread of its
    own) starts with the first report of its share. Returns when each fault started."""
    from django.utils import timezone

    faults: list[threading.Thread] = []
    fault_started: dict[str, datetime] = {}
    started = time.monotonic()
    for n, report in enumerate(reports):
        if report.phase and (n == 0 or reports[n - 1].phase != report.phase):
            progress(f"fault {report.phase}: starting, with report {n}")
            fault_started[report.phase] = timezone.now()
            fault = threading.Thread(
                target=inject,
                args=(report.phase,),
                kwargs={
                    "nodes": nodes,
                    "supervisor": supervisor,
                    "redis": redis,
                    "postgres_directory": WORK / "postgres",
                    "outage": arguments.redis_outage,
                },
            )
            fault.start()
            faults.append(fault)
        time.sleep(max(0.0, started + n / arguments.rate - time.monotonic()))
        phones.send(report.phone, report.text)
    for fault in faults:
        fault.join()
    return fault_started


def settle(phones) -> None:
    """Wait for the sweeps to send everything due (every step of every ladder included), run
    ``run_due`` once, and wait for Kannel to deliver what was sent."""
    progress("all sent; waiting for the sweeps to settle everything")
    started = time.monotonic()
    with contextlib.suppress(AssertionError):
        wait_until(settled, timeout=SETTLE_TIMEOUT, interval=1.0)
    emit("settle_seconds", time.monotonic() - started)
    emit("run_due_sent", run_due())
    expected = _sent_count()
    with contextlib.suppress(AssertionError):
        wait_until(lambda: len(phones.received()) >= expected, timeout=60, interval=1.0)
    time.sleep(3)  # anything Kannel still had on its way


def _sent_count() -> int:
    from messaging.models import OutgoingMessage

    return OutgoingMessage.objects.filter(status="sent").count()


if __name__ == "__main__":
    main()
