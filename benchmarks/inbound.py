"""Messages per second through the whole inbound path, beside a trivial view and the durable
floor on the same stack.

    python benchmarks/inbound.py [--duration 15] [--workers 2] [--threads 4] [--connections 16]
                                 [--compare REV [--rounds 2]]

Needs root, Debian's ``postgresql`` and ``wrk`` (``apt-get install postgresql wrk``; ``gettext``
too for ``--compare``) and the project's virtualenv; uses loopback only and cleans up after itself
(files under /tmp).

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
   through the router, parser, service and database to the reply queued in the outbox, which
   wakes the delivery worker (the outbox's flag in Redis; a drain task when it was down). No
   Celery worker runs in this phase: what is measured is the web side only; the task waits in
   Redis.
3. ``floor``: the durable floor, ``GET /benchmark/floor/`` with the same kind of requests (each
   from a different phone, with its own msgid): the gateway's authentication
   (``messaging.views.refusal_reason``), one INSERT of the ``InboundMessage`` that commits, the
   answer; no router, no parsing, no reply. Its phones are no volunteer's, so its rows never
   count in the volunteers' rate limit or duplicate lookups.
4. ``inbound_with_worker``: the gateway again with a Celery worker (all queues, 2 processes)
   delivering the replies to a stub Kannel on loopback meanwhile, as in production; its memory
   is measured.

``--compare REV`` (a commit id, ``main~5``, ``HEAD~3``) measures the inbound path of git revision
REV in the same run, side by side with this tree (as it is on disk, uncommitted changes
included). REV is checked out in a temporary git worktree (removed afterwards, with its compiled
catalogues) and served by a gunicorn of its own: the same virtualenv and worker shape, REV's
``config.settings``. It runs on a copy of the same data set in the same PostgreSQL server
(``CREATE DATABASE .. TEMPLATE``, made before either gunicorn connects; when REV's migrations
differ from this tree's, the copy is migrated back to REV's with this tree's migrations, which
works for an ancestor), and publishes its tasks to a Redis database of its own. The two trees
print as ``revision`` and ``compare_revision``. ``--rounds``
request sets each go once through both trees, alternating ABBA (this tree, REV, REV, this tree,
...) so that a machine getting busier or quieter weighs on both alike: each run prints as
``inbound_round<n>_*`` or ``compare_inbound_round<n>_*``, then ``inbound_messages_per_s`` and
``compare_inbound_messages_per_s`` (the median of each tree's runs) and
``inbound_ratio_to_compare``. With ``--compare`` the floor is measured right after each of this
tree's runs (``floor_round<n>_*``; ``floor_messages_per_s`` is their median), so that it shares
their moments. The trivial view, the floor and the run with a worker are this tree's only.

Prints ``name=value`` lines; ``inbound_messages_per_s`` counts only reports that were accepted
(recorded and answered), ``floor_messages_per_s`` only rows stored.

Targets: >= 300 messages/s; ``inbound_ratio_to_floor`` (accepted reports per second over the
floor's rate) >= 0.20, printed beside it as ``target_ratio_to_floor``; and with ``--compare``,
``inbound_ratio_to_compare`` >= 1.5 (``target_ratio_to_compare``). The trivial view is a ceiling
only. (At most 12 SQL statements per accepted report is a query-budget test's to hold, not
this script's.)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from redis import Redis

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
TARGET_RATIO_TO_COMPARE = 1.5
#: The compared revision's copy of the data set: its database, and its alias in benchmarks.settings.
COMPARE = "compare"


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
    parser.add_argument(
        "--compare",
        metavar="REV",
        help="also measure the inbound path of git revision REV, in runs alternating with this tree's",
    )
    parser.add_argument("--rounds", type=int, default=2, help="with --compare: inbound runs of each tree (2)")
    arguments = parser.parse_args()
    if arguments.rounds < 1:
        parser.error("--rounds must be at least 1")
    return arguments


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
    from maternal.care_plan import plan_pregnancies
    from maternal.models import Mother, Pregnancy

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


def outcome(since_inbound: int, since_outgoing: int, *, using: str) -> dict[str, int]:
    """What database ``using`` holds for the requests of one run (ids above the marks)."""
    from messaging.models import InboundMessage, OutgoingMessage

    inbound = InboundMessage.objects.using(using).filter(pk__gt=since_inbound)
    return {
        "received": inbound.count(),
        "accepted": inbound.filter(accepted=True).count(),
        "gateway_retries": inbound.exclude(duplicate_of=None).count(),
        "replies_queued": OutgoingMessage.objects.using(using)
        .filter(pk__gt=since_outgoing, in_reply_to__isnull=False)
        .count(),
    }


def marks(using: str = "default") -> tuple[int, int]:
    from messaging.models import InboundMessage, OutgoingMessage

    last = InboundMessage.objects.using(using).order_by("-pk").values_list("pk", flat=True).first() or 0
    last_out = OutgoingMessage.objects.using(using).order_by("-pk").values_list("pk", flat=True).first() or 0
    return last, last_out


@dataclass
class Site:
    """One tree served by gunicorn: where requests go, what shares the CPUs with it, the database
    alias its results are counted in, and the Redis database its tasks wait in."""

    url: str
    stack: Stack
    database: str
    broker: Redis

    def queued(self) -> int:
        return sum(self.broker.llen(queue) for queue in ("default", "emergency", "reminders"))


@contextlib.contextmanager
def serve(tree: Path, *, env: dict[str, str], arguments, log: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """gunicorn serving ``tree``'s ``config.wsgi`` with the deployed worker shape; yields its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", f"--bind=127.0.0.1:{port}"]
    command += [f"--workers={arguments.workers}", f"--threads={arguments.threads}", "--backlog=2048"]
    with child(command, env=env, log=log, cwd=tree) as web:
        wait_until(lambda: _answers(f"{url}/gateway/kannel/"), timeout=30)
        yield url, web


def measure_inbound(site: Site, lines: list[str], arguments, name: str) -> float:
    """One gateway run: accepted reports per second, checked against what the database and Redis
    hold afterwards (every request recorded, accepted, answered, and its task published)."""
    inbound_mark, outgoing_mark = marks(site.database)
    queued_before = site.queued()
    counts: dict[str, int] = {}

    def accepted() -> int:
        counts.update(outcome(inbound_mark, outgoing_mark, using=site.database))
        return counts["accepted"]

    def load() -> dict[str, float]:
        return wrk(site.url, lines, duration=arguments.duration, connections=arguments.connections, name=name)

    result = measure(site.stack, name, load, accepted)
    emit(f"{name}_requests", int(result["requests"]))
    for key, value in counts.items():
        emit(f"{name}_reports_{key}" if key in ("received", "accepted") else f"{name}_{key}", value)
    if "celery" in site.stack.kinds:
        emit(f"{name}_replies_delivered_by_worker", _delivered(outgoing_mark))
    else:
        emit(f"{name}_tasks_published", site.queued() - queued_before)
    emit(f"{name}_messages_per_s", result["rate"])
    return result["rate"]


def measure_alternately(
    site: Site, compared: Site, request_sets: list[list[str]], arguments, floor: Callable[[str], float]
) -> tuple[float, float]:
    """Each set of requests through this tree and the compared one, each on its own copy of the
    data, in the order ABBA ABBA ... so that a machine getting busier or quieter weighs on both
    alike, and a durable floor run (``floor``) right after each of this tree's runs, so that the
    floor is measured in the same moments as the rate it is compared with; prints the median of
    each tree's runs and their ratio. Returns this tree's median rate and the floor's."""
    rates: dict[str, list[float]] = {"inbound": [], "compare_inbound": [], "floor": []}
    for number, lines in enumerate(request_sets, start=1):
        order = [("inbound", site), ("compare_inbound", compared)]
        for name, target in order if number % 2 else reversed(order):
            progress(f"{name}, round {number}")
            rates[name].append(measure_inbound(target, lines, arguments, f"{name}_round{number}"))
            if name == "inbound":
                progress(f"durable floor, round {number}")
                rates["floor"].append(floor(f"floor_round{number}"))
    rate, compared_rate = statistics.median(rates["inbound"]), statistics.median(rates["compare_inbound"])
    emit("inbound_messages_per_s", rate)
    emit("compare_inbound_messages_per_s", compared_rate)
    emit("inbound_ratio_to_compare", rate / compared_rate)
    emit("target_ratio_to_compare", f"{TARGET_RATIO_TO_COMPARE:.2f}")
    floor_rate = statistics.median(rates["floor"])
    emit("floor_messages_per_s", floor_rate)
    return rate, floor_rate


def measure_floor(site: Site, arguments, trivial_rate: float, name: str = "floor") -> float:
    """One durable floor run: rows stored per second. It never does more than the trivial view,
    so 1.5 times the trivial view's count of distinct requests is plenty: a request sent twice
    would break the gateway id's unique constraint (a server error, counted)."""
    from django.utils import timezone

    from messaging.models import InboundMessage

    lines = floor_requests(int(trivial_rate * arguments.duration * 1.5), timezone.localdate())
    inbound_mark, _outgoing_mark = marks()

    def stored() -> int:
        return InboundMessage.objects.filter(pk__gt=inbound_mark).count()

    def load() -> dict[str, float]:
        return wrk(site.url, lines, duration=arguments.duration, connections=arguments.connections, name=name)

    result = measure(site.stack, name, load, stored)
    emit(f"{name}_requests", int(result["requests"]))
    emit(f"{name}_messages_stored", stored())
    emit(f"{name}_messages_per_s", result["rate"])
    return result["rate"]


def build(arguments) -> dict[str, list[list[str]]]:
    """Migrate and fill the database; returns the prepared requests of each run (one set per
    round for the inbound runs)."""
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

    def request_set(count: int) -> list[str]:
        return prepare_requests(reporters, count, today, serials)

    runs = {
        "warmup": [request_set(50 * arguments.workers * arguments.threads)],
        "inbound": [
            request_set(arguments.messages) for _round in range(arguments.rounds if arguments.compare else 1)
        ],
    }
    if not arguments.no_worker:
        runs["inbound_with_worker"] = [request_set(arguments.messages)]
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    emit("data_seconds", time.perf_counter() - started)
    emit("volunteers", arguments.volunteers)
    emit("history_messages", arguments.history)
    return runs


# --- the compared revision -------------------------------------------------------------------

#: Prints a tree's migration leaves as JSON; run with that tree as the working directory.
MIGRATION_LEAVES = (
    "import json, django; django.setup(); from django.db.migrations.loader import MigrationLoader; "
    "print(json.dumps(sorted(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes())))"
)


def git(*command: str) -> str:
    """Runs git in this tree; its errors go to standard error."""
    return subprocess.run(
        ["git", "-C", str(ROOT), *command], check=True, stdout=subprocess.PIPE, text=True
    ).stdout.strip()


def resolve(revision: str) -> str:
    """The commit ``revision`` names; stops at once (before the data is built) when none."""
    try:
        return git("rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    except subprocess.CalledProcessError:
        sys.exit(f"--compare {revision}: not a commit of this repository")


@contextlib.contextmanager
def checked_out(commit: str) -> Iterator[Path]:
    """A temporary git worktree of ``commit`` with its reply catalogues compiled (Django cannot
    start without them), removed afterwards."""
    directory = WORK / "compare-tree"
    git("worktree", "add", "--force", "--detach", str(directory), commit)
    try:
        for catalogue in directory.glob("locale/*/LC_MESSAGES/django.po"):
            subprocess.run(
                ["msgfmt", "--check", "-o", str(catalogue.with_suffix(".mo")), str(catalogue)], check=True
            )
        yield directory
    finally:
        git("worktree", "remove", "--force", str(directory))


def copy_database(database_url: str, name: str) -> None:
    """A copy of the data set as built, rows and planner statistics alike (PostgreSQL copies the
    template database as it is; nothing may be connected to it meanwhile)."""
    import psycopg
    from django.db import connections
    from psycopg import sql

    connections.close_all()
    server, source = database_url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(source))
        )


def migrate_copy(tree: Path, revision: str, env: dict[str, str]) -> None:
    """Bring the copy to the compared tree's migrations when they differ from this tree's: this
    tree's migrations unapplied back to that tree's last ones (the compared revision is normally
    an ancestor, whose migrations this tree holds)."""
    from django.db import connections
    from django.db.migrations.exceptions import IrreversibleError, NodeNotFoundError
    from django.db.migrations.executor import MigrationExecutor

    def leaves(directory: Path) -> set[tuple[str, str]]:
        command = [sys.executable, "-c", MIGRATION_LEAVES]
        output = subprocess.run(
            command, cwd=directory, env=env, check=True, capture_output=True, text=True
        ).stdout
        return {(app, name) for app, name in json.loads(output)}

    ours, theirs = leaves(ROOT), leaves(tree)
    if ours == theirs:
        return
    progress(f"migrating the copy back to the migrations of {revision}")
    our_apps = {app for app, _name in ours}
    their_apps = {app for app, _name in theirs}
    targets: list[tuple[str, str | None]] = sorted(leaf for leaf in theirs if leaf[0] in our_apps)
    targets += [(app, None) for app in sorted(our_apps - their_apps)]
    try:
        MigrationExecutor(connections[COMPARE]).migrate(targets)
    except (KeyError, NodeNotFoundError, IrreversibleError) as error:
        sys.exit(f"--compare {revision}: cannot migrate the data set back to its migrations ({error!r})")
    if their_apps - our_apps:  # apps this tree dropped (RapidSMS's message log, ...): their tables
        progress(f"creating the tables of {', '.join(sorted(their_apps - our_apps))}")
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=tree, env=env, check=True)


def start_compared(
    resources: contextlib.ExitStack, arguments, commit: str, database_url: str, redis_url: str, stack: Stack
) -> Site:
    """The compared revision checked out, served by its own gunicorn on its own copy of the data
    set, its tasks in its own Redis database; everything is undone when ``resources`` closes."""
    tree = resources.enter_context(checked_out(commit))
    server = database_url.rsplit("/", 1)[0]
    broker_url = redis_url.rsplit("/", 1)[0] + "/1"
    env = child_environment(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=f"{server}/{COMPARE}",
        CELERY_BROKER_URL=broker_url,
    )
    copy_database(database_url, COMPARE)
    migrate_copy(tree, arguments.compare, env)
    url, web = resources.enter_context(
        serve(tree, env=env, arguments=arguments, log=WORK / "gunicorn-compare.log")
    )
    compared_stack = Stack(web=children_of(web.pid), **stack.kinds)
    return Site(url, compared_stack, COMPARE, Redis.from_url(broker_url))


def main() -> None:
    arguments = parse_arguments()
    for tool, package in [("wrk", "wrk"), *([("msgfmt", "gettext")] if arguments.compare else [])]:
        if not shutil.which(tool):
            sys.exit(f"{tool} is not installed: apt-get install {package}")
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    kannel_port = free_port()
    os.environ["SMS_GATEWAY_SECRET"] = SECRET
    os.environ["KANNEL_SENDSMS_URL"] = f"http://127.0.0.1:{kannel_port}/cgi-bin/sendsms"
    commit = resolve(arguments.compare) if arguments.compare else ""
    emit_machine()
    if commit:
        emit("revision", git("describe", "--always", "--dirty"))
        emit("compare_revision", commit[:12])
        os.environ["BENCHMARK_COMPARE_DATABASE"] = COMPARE  # the "compare" alias of benchmarks.settings
    with contextlib.ExitStack() as resources:
        database_url = resources.enter_context(postgres(WORK / "postgres"))
        redis = resources.enter_context(redis_server(WORK / "redis"))
        configure_django(database_url=database_url, broker_url=redis.url, settings="benchmarks.settings")
        from django.db import connections

        resources.callback(connections.close_all)  # before the server stops
        runs = build(arguments)
        assert redis.process is not None  # redis_server started it
        stack = Stack(
            postgres=with_children(postgres_pid(WORK / "postgres")), redis=with_children(redis.process.pid)
        )
        compared = (
            start_compared(resources, arguments, commit, database_url, redis.url, stack) if commit else None
        )
        env = child_environment()
        url, web = resources.enter_context(
            serve(ROOT, env=env, arguments=arguments, log=WORK / "gunicorn.log")
        )
        site = Site(url, Stack(web=children_of(web.pid), **stack.kinds), "default", Redis.from_url(redis.url))
        emit("gunicorn_workers", arguments.workers)
        emit("gunicorn_threads", arguments.threads)
        emit("wrk_connections", arguments.connections)
        emit("duration_s", arguments.duration)
        with PeakMemory({"gunicorn_worker": children_of(web.pid)}) as web_memory:
            progress("warming up")
            wrk(site.url, None, duration=2, connections=arguments.connections, name="warmup_trivial")
            for target in (site, compared) if compared else (site,):
                wrk(
                    target.url,
                    runs["warmup"][0],
                    duration=2,
                    connections=arguments.connections,
                    name="warmup",
                )
            progress("trivial view")
            trivial = measure(
                site.stack,
                "trivial",
                lambda: wrk(
                    site.url,
                    None,
                    duration=arguments.duration,
                    connections=arguments.connections,
                    name="trivial",
                ),
            )
            trivial_rate = trivial["requests"] / trivial["seconds"]
            emit("trivial_requests", int(trivial["requests"]))
            emit("trivial_requests_per_s", trivial_rate)
            if compared:
                rate, floor_rate = measure_alternately(
                    site,
                    compared,
                    runs["inbound"],
                    arguments,
                    floor=lambda name: measure_floor(site, arguments, trivial_rate, name),
                )
            else:
                progress("inbound gateway, no worker")
                rate = measure_inbound(site, runs["inbound"][0], arguments, "inbound")
                progress("durable floor")
                floor_rate = measure_floor(site, arguments, trivial_rate)
            emit("inbound_ratio_to_trivial", rate / trivial_rate)
            emit("inbound_ratio_to_floor", rate / floor_rate)
            emit("target_ratio_to_floor", f"{TARGET_RATIO_TO_FLOOR:.2f}")
            if "inbound_with_worker" in runs:
                run_with_worker(
                    site, runs["inbound_with_worker"][0], arguments, env, kannel_port, trivial_rate
                )
        emit("gunicorn_worker_peak_rss_mib", web_memory.peak_mib("gunicorn_worker"))


def run_with_worker(
    site: Site, lines: list[str], arguments, env: dict[str, str], kannel_port: int, trivial_rate: float
) -> None:
    """The gateway again, with a Celery worker delivering every reply to a stub Kannel meanwhile,
    as in production (it first delivers what the run without a worker left in Redis)."""
    kannel = SendsmsStub(port=kannel_port)
    kannel.start()
    celery = [sys.executable, "-m", "celery", "-A", "config", "worker", "-l", "warning", "--concurrency=2"]
    celery += ["-Q", "default,emergency,reminders", "--without-gossip", "--without-mingle"]
    try:
        with child(celery, env=env, log=WORK / "celery.log") as worker:
            progress("the worker delivers what the first run left in Redis")
            wait_until(lambda: site.queued() == 0 and _waiting() == 0, timeout=120, interval=0.5)
            worker_site = replace(site, stack=Stack(**site.stack.kinds, celery=with_children(worker.pid)))
            with PeakMemory({"celery_worker": with_children(worker.pid)}) as worker_memory:
                progress("inbound gateway with a Celery worker delivering to a stub Kannel")
                name = "inbound_with_worker"
                rate = measure_inbound(worker_site, lines, arguments, name)
                emit(f"{name}_ratio_to_trivial", rate / trivial_rate)
        emit("celery_worker_peak_rss_mib", worker_memory.peak_mib("celery_worker"))
    finally:
        kannel.stop()


def _delivered(since_outgoing: int) -> int:
    from messaging.models import OutgoingMessage

    return OutgoingMessage.objects.filter(pk__gt=since_outgoing, status="sent").count()


def _waiting() -> int:
    from messaging.models import OutgoingMessage

    return OutgoingMessage.objects.filter(status__in=["queued", "retrying"]).count()


def _answers(url: str) -> bool:
    """Whether a web server answers at ``url``, whatever its status (a refusal is an answer)."""
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


if __name__ == "__main__":
    main()
