"""Messages per second through the whole inbound path, beside a trivial view and the durable
floor on the same stack.

    python benchmarks/inbound.py [--duration 15] [--workers 2] [--threads 4] [--connections 16]

Needs root, Debian's ``postgresql`` and ``wrk`` (``apt-get install postgresql wrk``) and the
project's virtualenv; uses loopback only and cleans up after itself (files under /tmp).

It starts a private PostgreSQL (``scripts/postgres``) and Redis, migrates, and fills the database
with ``bulk_create``: a few thousand active volunteers with their gateway connections, the
registered mothers that the ANC reports are about (with planned reminders), and a history of
earlier inbound and outgoing SMS so that the lookups run on tables of a realistic size. Then it
starts gunicorn as ``deploy/`` runs it (2 worker processes of 4 threads each) with
``benchmarks.settings`` (the project's settings plus the benchmark-only views of
``benchmarks/urls.py``) and drives it with ``wrk`` on loopback:

1. ``trivial``: ``GET /benchmark/trivial/`` (Django, middleware, no database): the ceiling.
2. ``inbound``: Kannel's ``GET /gateway/kannel/?secret=..&id=<phone>&text=<PRE|ANC ...>&msgid=..``,
   every request a different volunteer report (PRE for a new mother, ANC for a registered one),
   through the router, parser, service and database to the reply queued in the outbox and
   published to Redis as a Celery task. No Celery worker runs in this phase: what is measured is
   the web side only; the tasks wait in Redis.
3. ``floor``: the durable floor, ``GET /benchmark/floor/`` with the same kind of requests (each
   from a different phone, with its own msgid): the gateway's authentication
   (``messaging.views.refusal_reason``), one INSERT of the ``InboundMessage`` that commits, the
   answer; no router, no parsing, no reply. Its phones are no volunteer's, and it runs after the
   inbound run, so its rows never count in the volunteers' rate limit or duplicate lookups.
4. ``inbound_with_worker``: the gateway again with a Celery worker (all queues, 2 processes)
   delivering the replies to a stub Kannel on loopback meanwhile, as in production; its memory
   is measured.

Prints ``name=value`` lines; ``inbound_messages_per_s`` counts only reports that were accepted
(recorded and answered), ``floor_messages_per_s`` only rows stored.

Targets: >= 300 messages/s, and ``inbound_ratio_to_floor`` (accepted reports per second over the
floor's rate) >= 0.20, printed as ``target_ratio_to_floor``. The trivial view is a ceiling only.
(At most 12 SQL statements per accepted report is held by a test, not here.)
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (  # noqa: E402
    ROOT,
    PeakMemory,
    child,
    child_environment,
    children_of,
    configure_django,
    cpu_seconds,
    create_volunteers,
    emit,
    emit_machine,
    free_port,
    postgres,
    postgres_pid,
    progress,
    redis_server,
    unsaved_pregnancy,
    wait_until,
    with_children,
)
from tests.services import SendsmsStub  # noqa: E402

WORK = Path("/tmp/umubyeyi-benchmark-inbound")
SECRET = "benchmark-gateway-secret"
BATCH = 5000
DISTRICTS, SECTORS, CELLS, VILLAGES = 2, 8, 4, 5
TARGET_RATIO_TO_FLOOR = 0.20


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=15, help="seconds per measured run (15)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (2)")
    parser.add_argument(
        "--threads", type=int, default=4, help="threads per gunicorn worker (4; 1 for sync workers)"
    )
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    parser.add_argument("--volunteers", type=int, default=3000, help="active volunteers (3000)")
    parser.add_argument("--history", type=int, default=200_000, help="earlier SMS in and out (200000)")
    parser.add_argument(
        "--messages", type=int, default=30_000, help="distinct reports prepared per run (30000)"
    )
    parser.add_argument("--no-worker", action="store_true", help="skip the run with a Celery worker")
    return parser.parse_args()


# --- data ------------------------------------------------------------------------------------


def build_places():
    """A small location tree and one health centre per sector; returns the villages with their
    health centre."""
    from maternal.models import Facility, Location

    province = Location.objects.create(code="9", name="Benchmark", level=Location.Level.PROVINCE)
    villages = []
    for d in range(1, DISTRICTS + 1):
        district = Location.objects.create(
            code=f"9{d}", name=f"District {d}", level=Location.Level.DISTRICT, parent=province
        )
        district.district = district
        district.save()
        for s in range(1, SECTORS + 1):
            sector = Location.objects.create(
                code=f"9{d}{s:02d}",
                name=f"Sector {s}",
                level=Location.Level.SECTOR,
                parent=district,
                district=district,
            )
            sector.sector = sector
            sector.save()
            cells = Location.objects.bulk_create(
                Location(
                    code=f"{sector.code}{c}",
                    name=f"Cell {c}",
                    level=Location.Level.CELL,
                    parent=sector,
                    district=district,
                    sector=sector,
                )
                for c in range(1, CELLS + 1)
            )
            sector_villages = Location.objects.bulk_create(
                Location(
                    code=f"{cell.code}{v:02d}",
                    name=f"Village {v}",
                    level=Location.Level.VILLAGE,
                    parent=cell,
                    district=district,
                    sector=sector,
                )
                for cell in cells
                for v in range(1, VILLAGES + 1)
            )
            centre = Facility.objects.create(
                code=sector.code,
                name=f"Health centre {sector.code}",
                kind="health_centre",
                location=sector_villages[0],
            )
            centre.served_cells.set(cells)
            villages += [(village, centre) for village in sector_villages]
    return villages


def mother_id(serial: int) -> str:
    """A valid 16-digit national ID of a woman born 1980-2004."""
    return f"1{1980 + serial % 25}7{serial:010d}"


def build_registered_mothers(reporters: list, count: int, today: date, first_serial: int) -> list[tuple]:
    """``count`` mothers with an active pregnancy (16-17 weeks, reminders planned), each to get
    one ANC report from her own volunteer. Returns (reporter, identifier) pairs."""
    from maternal.models import Mother, Pregnancy
    from reminders.services import plan_pregnancies

    owners = [reporters[n % len(reporters)] for n in range(count)]
    mothers = Mother.objects.bulk_create(
        (
            Mother(
                identifier=mother_id(first_serial + n),
                id_kind=Mother.IdKind.NATIONAL,
                village_id=owner.village_id,
                facility_id=owner.facility_id,
            )
            for n, owner in enumerate(owners)
        ),
        batch_size=BATCH,
    )
    pregnancies = Pregnancy.objects.bulk_create(
        (
            unsaved_pregnancy(
                mother,
                owner,
                last_menstrual_period=today - timedelta(weeks=16, days=n % 7),
                registered_on=today - timedelta(weeks=4),
            )
            for n, (mother, owner) in enumerate(zip(mothers, owners, strict=True))
        ),
        batch_size=BATCH,
    )
    plan_pregnancies(pregnancies, today=today - timedelta(weeks=4))
    return [(owner, mother.identifier) for owner, mother in zip(owners, mothers, strict=True)]


def build_history(reporters: list, count: int) -> None:
    """Earlier traffic: the duplicate and loop-guard lookups run against tables of this size."""
    from django.db.models import F
    from django.utils import timezone

    from messaging.models import InboundMessage, OutgoingMessage

    now = timezone.now()
    rng = random.Random(7)
    for start in range(0, count, BATCH):
        inbound = InboundMessage.objects.bulk_create(
            InboundMessage(
                phone=str(reporters[n % len(reporters)].phone),
                backend="kannel-backend",
                text=f"ANC {mother_id(9_000_000 + n)} 01.01.2026 2",
                gateway_id=uuid.uuid4().hex,
                received_at=now - timedelta(minutes=rng.randrange(60 * 24 * 90)),
                keyword="ANC",
                accepted=True,
                reply="ANC 2 recorded.",
            )
            for n in range(start, min(count, start + BATCH))
        )
        OutgoingMessage.objects.bulk_create(
            OutgoingMessage(
                phone=message.phone,
                backend="kannel-backend",
                identity=message.phone,
                text=message.reply,
                status=OutgoingMessage.Status.SENT,
                in_reply_to=message,
                next_attempt_at=message.received_at,
                sent_at=message.received_at,
            )
            for message in inbound
        )
    # auto_now_add stamped the history "now": date it back, or the loop guard would count it.
    OutgoingMessage.objects.update(created_at=F("sent_at"))


def gateway_path(phone: str, text: str, *, view: str = "/gateway/kannel/") -> str:
    query = urllib.parse.urlencode({"secret": SECRET, "id": phone, "text": text, "msgid": uuid.uuid4().hex})
    return f"{view}?{query}"


def prepare_requests(reporters: list, count: int, today: date, serials: dict[str, int]) -> list[str]:
    """``count`` distinct reports, half PRE for new mothers, half ANC for registered ones."""
    half = count // 2
    registered = build_registered_mothers(reporters, half, today, serials["registered"])
    serials["registered"] += half
    lines = []
    for n in range(half):
        volunteer = reporters[(serials["new"] + n) % len(reporters)]
        lmp = today - timedelta(days=60 + n % 120)
        lines.append(
            gateway_path(
                str(volunteer.phone), f"PRE {mother_id(serials['new'] + n)} {lmp:%d.%m.%Y} 2 1 nr np"
            )
        )
        owner, identifier = registered[n]
        lines.append(gateway_path(str(owner.phone), f"ANC {identifier} {today:%d.%m.%Y} 3"))
    serials["new"] += half
    return lines


def floor_requests(count: int, today: date) -> list[str]:
    """``count`` requests for the durable floor, like the inbound run's (half PRE, half ANC), each
    from a different phone that no volunteer has."""
    lines = []
    for n in range(count):
        identifier = mother_id(7_000_000 + n)
        lmp = today - timedelta(days=60 + n % 120)
        text = (
            f"PRE {identifier} {lmp:%d.%m.%Y} 2 1 nr np" if n % 2 else f"ANC {identifier} {today:%d.%m.%Y} 3"
        )
        lines.append(gateway_path(f"+25073{n:07d}", text, view="/benchmark/floor/"))
    return lines


# --- load ------------------------------------------------------------------------------------


class Stack:
    """The processes that share the machine's CPUs during a run, to say where the time went."""

    def __init__(self, **kinds: Callable[[], list]):
        self.kinds = kinds

    def cpu(self) -> dict[str, float]:
        usage = {kind: cpu_seconds(processes()) for kind, processes in self.kinds.items()}
        finished = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, once it has exited
        usage["wrk"] = finished.ru_utime + finished.ru_stime
        return usage


def wrk(url: str, paths: list[str] | None, *, duration: int, connections: int, name: str) -> dict[str, float]:
    """Run wrk against ``url`` (each request a line of ``paths``; the trivial view when None)."""
    paths_file = WORK / f"{name}.paths"
    paths_file.write_text("\n".join(paths or ["/benchmark/trivial/"]) + "\n")
    threads = 2
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s"]
    command += ["-s", str(ROOT / "benchmarks" / "inbound.lua"), url, "--", str(paths_file), str(threads)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return {key: float(value) for key, value in re.findall(r"^wrk_(\w+)=([\d.]+)$", output, re.MULTILINE)}


def measure(
    stack: Stack, name: str, load: Callable[[], dict[str, float]], count: Callable[[], int] | None = None
) -> dict:
    """Run ``load``; print the CPU milliseconds each part of the stack spent per request done
    (``count()`` after the run; wrk's count of responses when None)."""
    before = stack.cpu()
    result = load()
    time.sleep(1)  # requests still in flight when wrk stopped
    after = stack.cpu()
    done = count() if count else int(result["requests"])
    rate = done / result["seconds"]
    for kind in after:
        emit(f"{name}_cpu_ms_per_request_{kind}", (after[kind] - before[kind]) * 1000 / max(done, 1))
    emit(f"{name}_latency_p50_ms", result["latency_p50_ms"])
    emit(f"{name}_latency_p99_ms", result["latency_p99_ms"])
    emit(f"{name}_http_errors", int(result["non_2xx"] + result["socket_errors"]))
    return {**result, "rate": rate}


def outcome(since_inbound: int, since_outgoing: int) -> dict[str, int]:
    """What the database holds for the requests of one run (ids above the marks)."""
    from messaging.models import InboundMessage, OutgoingMessage

    inbound = InboundMessage.objects.filter(pk__gt=since_inbound)
    return {
        "received": inbound.count(),
        "accepted": inbound.filter(accepted=True).count(),
        "gateway_retries": inbound.exclude(duplicate_of=None).count(),
        "replies_queued": OutgoingMessage.objects.filter(
            pk__gt=since_outgoing, in_reply_to__isnull=False
        ).count(),
    }


def marks() -> tuple[int, int]:
    from messaging.models import InboundMessage, OutgoingMessage

    last = InboundMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    last_out = OutgoingMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return last, last_out


def measure_inbound(
    stack: Stack, base_url: str, lines: list[str], arguments, name: str, queue_length
) -> float:
    """One gateway run: accepted reports per second, checked against what the database and Redis
    hold afterwards (every request recorded, accepted, answered, and its task published)."""
    inbound_mark, outgoing_mark = marks()
    queued_before = queue_length()
    counts: dict[str, int] = {}

    def accepted() -> int:
        counts.update(outcome(inbound_mark, outgoing_mark))
        return counts["accepted"]

    def load() -> dict[str, float]:
        return wrk(base_url, lines, duration=arguments.duration, connections=arguments.connections, name=name)

    result = measure(stack, name, load, accepted)
    emit(f"{name}_requests", int(result["requests"]))
    for key, value in counts.items():
        emit(f"{name}_reports_{key}" if key in ("received", "accepted") else f"{name}_{key}", value)
    if "celery" in stack.kinds:
        emit(f"{name}_replies_delivered_by_worker", _delivered(outgoing_mark))
    else:
        emit(f"{name}_tasks_published", queue_length() - queued_before)
    emit(f"{name}_messages_per_s", result["rate"])
    return result["rate"]


def measure_floor(stack: Stack, base_url: str, arguments, trivial_rate: float) -> float:
    """The durable floor's run: rows stored per second. It never does more than the trivial view,
    so 1.5 times the trivial view's count of distinct requests is plenty: a request sent twice
    would break the gateway id's unique constraint (a server error, counted)."""
    from django.utils import timezone

    from messaging.models import InboundMessage

    lines = floor_requests(int(trivial_rate * arguments.duration * 1.5), timezone.localdate())
    inbound_mark, _outgoing_mark = marks()

    def stored() -> int:
        return InboundMessage.objects.filter(pk__gt=inbound_mark).count()

    def load() -> dict[str, float]:
        return wrk(
            base_url, lines, duration=arguments.duration, connections=arguments.connections, name="floor"
        )

    result = measure(stack, "floor", load, stored)
    emit("floor_requests", int(result["requests"]))
    emit("floor_messages_stored", stored())
    emit("floor_messages_per_s", result["rate"])
    return result["rate"]


def build(arguments) -> dict[str, list[str]]:
    """Migrate and fill the database; returns the prepared requests of each run."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    started = time.perf_counter()
    progress("migrating a private PostgreSQL")
    call_command("migrate", verbosity=0)
    progress("building volunteers, mothers and history")
    today = timezone.localdate()
    reporters = create_volunteers(arguments.volunteers, build_places(), batch_size=BATCH)
    build_history(reporters, arguments.history)
    serials = {"registered": 0, "new": 5_000_000}
    runs = {
        "warmup": prepare_requests(reporters, 50 * arguments.workers * arguments.threads, today, serials),
        "inbound": prepare_requests(reporters, arguments.messages, today, serials),
    }
    if not arguments.no_worker:
        runs["inbound_with_worker"] = prepare_requests(reporters, arguments.messages, today, serials)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    emit("data_seconds", time.perf_counter() - started)
    emit("volunteers", arguments.volunteers)
    emit("history_messages", arguments.history)
    return runs


def main() -> None:
    arguments = parse_arguments()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    kannel_port = free_port()
    os.environ["SMS_GATEWAY_SECRET"] = SECRET
    os.environ["KANNEL_SENDSMS_URL"] = f"http://127.0.0.1:{kannel_port}/cgi-bin/sendsms"
    emit_machine()
    with postgres(WORK / "postgres") as database_url, redis_server(WORK / "redis") as redis:
        configure_django(database_url=database_url, broker_url=redis.url, settings="benchmarks.settings")
        import redis as redis_client
        from django.db import connection

        runs = build(arguments)
        broker = redis_client.Redis.from_url(redis.url)

        def queue_length() -> int:
            return sum(broker.llen(queue) for queue in ("default", "emergency", "reminders"))

        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        gunicorn = [sys.executable, "-m", "gunicorn", "config.wsgi:application", f"--bind=127.0.0.1:{port}"]
        gunicorn += [f"--workers={arguments.workers}", f"--threads={arguments.threads}", "--backlog=2048"]
        env = child_environment()
        with child(gunicorn, env=env, log=WORK / "gunicorn.log") as web:
            wait_until(lambda: _responds(f"{base_url}/benchmark/trivial/"), timeout=30)
            emit("gunicorn_workers", arguments.workers)
            emit("gunicorn_threads", arguments.threads)
            emit("wrk_connections", arguments.connections)
            emit("duration_s", arguments.duration)
            stack = Stack(
                web=children_of(web.pid),
                postgres=with_children(postgres_pid(WORK / "postgres")),
                redis=with_children(redis.process.pid),
            )
            with PeakMemory({"gunicorn_worker": children_of(web.pid)}) as web_memory:
                progress("warming up")
                wrk(base_url, None, duration=2, connections=arguments.connections, name="warmup_trivial")
                wrk(base_url, runs["warmup"], duration=2, connections=arguments.connections, name="warmup")
                progress("trivial view")
                trivial = measure(
                    stack,
                    "trivial",
                    lambda: wrk(
                        base_url,
                        None,
                        duration=arguments.duration,
                        connections=arguments.connections,
                        name="trivial",
                    ),
                )
                emit("trivial_requests", int(trivial["requests"]))
                emit("trivial_requests_per_s", trivial["requests"] / trivial["seconds"])
                progress("inbound gateway, no worker")
                rate = measure_inbound(stack, base_url, runs["inbound"], arguments, "inbound", queue_length)
                trivial_rate = trivial["requests"] / trivial["seconds"]
                emit("inbound_ratio_to_trivial", rate / trivial_rate)
                progress("durable floor")
                floor_rate = measure_floor(stack, base_url, arguments, trivial_rate)
                emit("inbound_ratio_to_floor", rate / floor_rate)
                emit("target_ratio_to_floor", f"{TARGET_RATIO_TO_FLOOR:.2f}")
                if "inbound_with_worker" in runs:
                    run_with_worker(stack, base_url, runs, arguments, env, kannel_port, queue_length, trivial)
            emit("gunicorn_worker_peak_rss_mib", web_memory.peak_mib("gunicorn_worker"))
        connection.close()


def run_with_worker(stack, base_url, runs, arguments, env, kannel_port, queue_length, trivial) -> None:
    """The gateway again, with a Celery worker delivering every reply to a stub Kannel meanwhile,
    as in production (it first delivers what the run without a worker left in Redis)."""
    kannel = SendsmsStub(port=kannel_port)
    kannel.start()
    celery = [sys.executable, "-m", "celery", "-A", "config", "worker", "-l", "warning", "--concurrency=2"]
    celery += ["-Q", "default,emergency,reminders", "--without-gossip", "--without-mingle"]
    try:
        with child(celery, env=env, log=WORK / "celery.log") as worker:
            progress("the worker delivers what the first run left in Redis")
            wait_until(lambda: queue_length() == 0 and _waiting() == 0, timeout=120, interval=0.5)
            worker_stack = Stack(**stack.kinds, celery=with_children(worker.pid))
            with PeakMemory({"celery_worker": with_children(worker.pid)}) as worker_memory:
                progress("inbound gateway with a Celery worker delivering to a stub Kannel")
                name = "inbound_with_worker"
                rate = measure_inbound(worker_stack, base_url, runs[name], arguments, name, queue_length)
                emit(f"{name}_ratio_to_trivial", rate / (trivial["requests"] / trivial["seconds"]))
        emit("celery_worker_peak_rss_mib", worker_memory.peak_mib("celery_worker"))
    finally:
        kannel.stop()


def _delivered(since_outgoing: int) -> int:
    from messaging.models import OutgoingMessage

    return OutgoingMessage.objects.filter(pk__gt=since_outgoing, status="sent").count()


def _waiting() -> int:
    from messaging.models import OutgoingMessage

    return OutgoingMessage.objects.filter(status__in=["queued", "retrying"]).count()


def _responds(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


if __name__ == "__main__":
    main()
