"""The daily reminder sweep must cost what is due, not what is active.

    python benchmarks/reminders.py [--sizes 100000,1000000] [--due 2000] [--volunteers 10000]

Builds its own SQLite database in /tmp (never the project's) and starts a private Redis on
loopback (the digests' SMS are published to it as Celery tasks, as in production; no worker runs).
For each size, it grows the database to that many active pregnancies (``bulk_create``) and plans
their reminders with the real planner (``maternal.care_plan.plan_pregnancies``, timed), such that
exactly ``--due`` reminders are due today at every size: the same pregnancies, spread over a
quarter as many volunteers; every other pregnancy has its contacts on other days. Then it times,
five times each (the median is printed, the due reminders reset in between):

* ``find``: ``reporters_with_work(today)``, the query for today's due reminders;
* ``sweep``: ``send_due_reminders(now=today 10:00)``, the whole daily sweep: expire stale ones, find
  what is due, and for each volunteer compose the digest, mark the reminders sent and queue the SMS
  in the outbox (Celery publish to Redis included).

Prints ``name=value`` lines. Target: ``sweep_ratio`` (largest size / smallest) <= 1.5.
The 1,000,000-pregnancy database takes a few minutes to build; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (  # noqa: E402
    configure_django,
    create_volunteers,
    emit,
    emit_machine,
    progress,
    redis_server,
    unsaved_pregnancy,
)

DATABASE = Path("/tmp/umubyeyi-benchmark-reminders.sqlite3")
WORK = Path("/tmp/umubyeyi-benchmark-reminders")
BATCH = 20_000
Result = TypeVar("Result")
SECTORS, VILLAGES_PER_SECTOR = 30, 50


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="active pregnancies, ascending")
    parser.add_argument("--due", type=int, default=2000, help="reminders due today at every size (2000)")
    parser.add_argument("--volunteers", type=int, default=10_000, help="active volunteers (10000)")
    return parser.parse_args()


def build_volunteers(count: int) -> list:
    """Volunteers in one district, each with the gateway connection they report from."""
    from maternal.models import Facility, Location

    district = Location.objects.create(code="91", name="District", level=Location.Level.DISTRICT)
    places = []
    for s in range(SECTORS):
        sector = Location.objects.create(
            code=f"91{s:02d}", name=f"Sector {s}", level="sector", parent=district, district=district
        )
        sector_villages = Location.objects.bulk_create(
            Location(
                code=f"{sector.code}{v:03d}",
                name=f"Village {v}",
                level=Location.Level.VILLAGE,
                parent=sector,
                district=district,
                sector=sector,
            )
            for v in range(VILLAGES_PER_SECTOR)
        )
        centre = Facility.objects.create(
            code=sector.code, name=f"HC {sector.code}", kind="health_centre", location=sector_villages[0]
        )
        places += [(village, centre) for village in sector_villages]
    return create_volunteers(count, places, batch_size=BATCH)


def add_pregnancies(reporters: list, start: int, stop: int, *, today: date, due: int) -> float:
    """Pregnancies ``start``..``stop`` (with their mothers), planned as registered today; the
    first ``due`` of all have their first contact due today (LMP exactly 12 weeks ago), every
    other one is 8 to 41 weeks pregnant plus 1-6 days, so that none of its contacts (always a
    whole number of weeks after the LMP) falls today. Returns the planning time."""
    from maternal.care_plan import plan_pregnancies
    from maternal.models import Mother, Pregnancy

    planning = 0.0
    due_volunteers = max(1, due // 4)
    for first in range(start, stop, BATCH):
        numbers = range(first, min(stop, first + BATCH))
        owners = [
            reporters[n % due_volunteers] if n < due else reporters[n % len(reporters)] for n in numbers
        ]
        mothers = Mother.objects.bulk_create(
            Mother(
                identifier=f"1{1980 + n % 25}7{n:010d}",
                id_kind=Mother.IdKind.NATIONAL,
                village_id=owner.village_id,
                facility_id=owner.facility_id,
            )
            for n, owner in zip(numbers, owners, strict=True)
        )
        pregnancies = Pregnancy.objects.bulk_create(
            unsaved_pregnancy(
                mother,
                owner,
                last_menstrual_period=(
                    today - timedelta(weeks=12)
                    if n < due
                    else today - timedelta(weeks=8 + n % 34, days=1 + n % 6)
                ),
                registered_on=today,
            )
            for n, mother, owner in zip(numbers, mothers, owners, strict=True)
        )
        started = time.perf_counter()
        plan_pregnancies(pregnancies, today=today)
        planning += time.perf_counter() - started
        if numbers.stop % 100_000 == 0:
            progress(f"{numbers.stop:,} pregnancies planned")
    return planning


def reset(due_ids: list[int], broker) -> None:
    """Undo a sweep: the due reminders planned again, no digest or SMS of today."""
    from maternal.models import Reminder
    from messaging.models import OutgoingMessage
    from reminders.models import Digest

    Digest.objects.all().delete()
    OutgoingMessage.objects.all().delete()
    Reminder.objects.filter(pk__in=due_ids).update(status=Reminder.Status.PLANNED, sent_at=None)
    broker.flushall()


def median_time(
    action: Callable[[], Result], repeat: int = 5, before: Callable[[], object] | None = None
) -> tuple[float, Result]:
    times = []
    for _run in range(repeat):
        if before:
            before()
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    arguments = parse_arguments()
    sizes = [int(size) for size in arguments.sizes.split(",")]
    remove_database()
    emit_machine()
    try:
        measure(arguments, sizes)
    finally:
        remove_database()  # 1 GB at a million pregnancies


def remove_database() -> None:
    for leftover in (DATABASE, Path(f"{DATABASE}-wal"), Path(f"{DATABASE}-shm")):
        leftover.unlink(missing_ok=True)


def measure(arguments: argparse.Namespace, sizes: list[int]) -> None:
    with redis_server(WORK / "redis") as redis:
        configure_django(database_url=f"sqlite:///{DATABASE}", broker_url=redis.url)
        import redis as redis_client
        from django.core.management import call_command
        from django.db import connection
        from django.utils import timezone

        from maternal.models import Reminder
        from reminders.services import reporters_with_work, send_due_reminders

        broker = redis_client.Redis.from_url(redis.url)
        call_command("migrate", verbosity=0)
        cache_pages = connection.cursor().execute("PRAGMA cache_size").fetchone()[0]
        today = timezone.localdate()
        now = datetime(today.year, today.month, today.day, 10, tzinfo=timezone.get_current_timezone())
        reporters = build_volunteers(arguments.volunteers)
        emit("volunteers", arguments.volunteers)
        emit("due_today", arguments.due)
        sweeps: dict[int, float] = {}
        finds: dict[int, float] = {}
        active = 0
        due_ids: list[int] = []
        for size in sizes:
            progress(f"growing to {size:,} active pregnancies")
            started = time.perf_counter()
            # A large page cache while loading (inserts into big indexes), the default for timing.
            connection.cursor().execute("PRAGMA cache_size = -1000000")
            planning = add_pregnancies(reporters, active, size, today=today, due=arguments.due)
            connection.cursor().execute(f"PRAGMA cache_size = {cache_pages}")
            active = size
            emit(f"build_seconds_{size}", time.perf_counter() - started)
            emit(f"planning_seconds_{size}", planning)
            emit(f"reminders_planned_{size}", Reminder.objects.count())
            reset(due_ids, broker)  # the reminders the previous size's sweep sent are due again
            due_ids = list(
                Reminder.objects.filter(status=Reminder.Status.PLANNED, due_date__lte=today).values_list(
                    "pk", flat=True
                )
            )
            emit(f"due_found_{size}", len(due_ids))
            progress(f"timing the sweep at {size:,}")
            finds[size], workers = median_time(lambda: reporters_with_work(today))
            sweeps[size], summary = median_time(
                lambda: send_due_reminders(now=now), before=partial(reset, due_ids, broker)
            )
            emit(f"find_seconds_{size}", finds[size])
            emit(f"volunteers_with_work_{size}", len(workers))
            emit(f"sweep_seconds_{size}", sweeps[size])
            emit(f"sweep_reminders_sent_{size}", summary["reminders"])
            emit(f"sweep_digests_{size}", summary["digests"])
        emit("find_ratio", finds[sizes[-1]] / finds[sizes[0]])
        emit("sweep_ratio", sweeps[sizes[-1]] / sweeps[sizes[0]])


if __name__ == "__main__":
    main()
