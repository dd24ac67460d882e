"""How long a monthly district report takes to compute and render, on synthetic national-scale data.

    python benchmarks/reports.py [--pregnancies 20000] [--other-pregnancies 5000] [--keep-data]

Builds its own SQLite database in /tmp (never the project's), migrates it, and fills it with
``bulk_create``: 30 districts of 12 sectors and 480 villages each; the first district has
``--pregnancies`` pregnancies registered over the two years up to the report month, each other
district ``--other-pregnancies``; with ANC visits, births, babies, deaths, red alerts, reminders and
the volunteers' inbound reports. Then it times ``generate_report`` (compute + render + store) for the
first district (the median of three runs) and for all 30 districts one after the other, and prints
``name=value`` lines (targets: one district <= 2 s, all districts <= 30 s). ``--keep-data`` times
again on the database of the previous run instead of building a new one.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

DATABASE = Path("/tmp/umubyeyi-benchmark-reports.sqlite3")
MEDIA = Path("/tmp/umubyeyi-benchmark-media")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
os.environ["DATABASE_URL"] = f"sqlite:///{DATABASE}"
os.environ["MEDIA_ROOT"] = str(MEDIA)
os.environ["DEBUG"] = "0"  # as in production: no query log kept in memory
os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from maternal.models import (  # noqa: E402
    Alert,
    Baby,
    Birth,
    Death,
    Facility,
    Location,
    Mother,
    Pregnancy,
    Reminder,  # noqa: E402
    Reporter,
    Visit,
)
from messaging.models import InboundMessage  # noqa: E402
from reports.months import Month  # noqa: E402
from reports.services import generate_report  # noqa: E402

REPORT_MONTH = Month(2026, 10)
HISTORY_START = REPORT_MONTH.shift(-23).first_day
DISTRICTS = 30
SECTORS = 12
CELLS_PER_SECTOR = 4
VILLAGES_PER_CELL = 10
BATCH = 5000
BIRTH_PLACES = ["hc"] * 60 + ["hp"] * 25 + ["ho"] * 12 + ["or"] * 3


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.get_default_timezone())


def build_places() -> list[dict]:
    """30 districts, each with its sectors, villages and one health centre per sector."""
    province = Location.objects.create(code="B", name="Benchmark province", level=Location.Level.PROVINCE)
    districts = Location.objects.bulk_create(
        Location(code=f"B{d:02d}", name=f"District {d:02d}", level=Location.Level.DISTRICT, parent=province)
        for d in range(1, DISTRICTS + 1)
    )
    for district in districts:
        district.district = district
    Location.objects.bulk_update(districts, ["district"])
    sectors = Location.objects.bulk_create(
        Location(
            code=f"{d.code}{s:02d}",
            name=f"Sector {s:02d} of {d.name}",
            level=Location.Level.SECTOR,
            parent=d,
            district=d,
        )
        for d in districts
        for s in range(1, SECTORS + 1)
    )
    for sector in sectors:
        sector.sector = sector
    Location.objects.bulk_update(sectors, ["sector"])
    cells = Location.objects.bulk_create(
        Location(
            code=f"{s.code}{c}",
            name=f"Cell {c}",
            level=Location.Level.CELL,
            parent=s,
            district_id=s.district_id,
            sector=s,
        )
        for s in sectors
        for c in range(1, CELLS_PER_SECTOR + 1)
    )
    villages = Location.objects.bulk_create(
        (
            Location(
                code=f"{c.code}{v:02d}",
                name=f"Village {v}",
                level=Location.Level.VILLAGE,
                parent=c,
                district_id=c.district_id,
                sector_id=c.sector_id,
            )
            for c in cells
            for v in range(1, VILLAGES_PER_CELL + 1)
        ),
        batch_size=BATCH,
    )
    first_village: dict[int | None, Location] = {}
    for village in villages:
        first_village.setdefault(village.sector_id, village)
    health_centres = []
    for s in sectors:
        assert s.district_id is not None  # every sector was created with its district
        health_centres.append(
            Facility(
                code=f"{s.code}",
                name=f"Health centre {s.code}",
                kind=Facility.Kind.HEALTH_CENTRE,
                location=first_village[s.pk],
                district_id=s.district_id,
            )
        )
    facilities = Facility.objects.bulk_create(health_centres)
    facility_of_sector = {f.location.sector_id: f for f in facilities}
    reporters = Reporter.objects.bulk_create(
        (
            Reporter(
                phone=f"+25078{n:07d}",
                name=f"Volunteer {n}",
                village=v,
                facility=facility_of_sector[v.sector_id],
                status=Reporter.Status.ACTIVE,
            )
            for n, v in enumerate(villages)
        ),
        batch_size=BATCH,
    )
    Reporter.objects.update(registered_at=at(HISTORY_START))
    return [
        {"district": d, "reporters": [r for r in reporters if r.village.district_id == d.pk]}
        for d in districts
    ]


def build_district_history(place: dict, pregnancies: int, rng: random.Random, serial: int) -> int:
    """``pregnancies`` pregnancies registered over 24 months, and what follows from them."""
    last_day = REPORT_MONTH.last_day
    span = (last_day - HISTORY_START).days
    reporters = place["reporters"]
    mothers, rows = [], []
    for n in range(pregnancies):
        reporter = rng.choice(reporters)
        registered_on = HISTORY_START + timedelta(days=rng.randrange(span + 1))
        lmp = registered_on - timedelta(weeks=rng.randint(6, 30), days=rng.randrange(7))
        edd = lmp + timedelta(days=280)
        mothers.append(
            Mother(
                identifier=f"1{1980 + n % 25}7{serial + n:010d}",
                id_kind=Mother.IdKind.NATIONAL,
                village=reporter.village,
                facility=reporter.facility,
            )
        )
        rows.append((reporter, registered_on, lmp, edd))
    mothers = Mother.objects.bulk_create(mothers, batch_size=BATCH)
    pregnancy_rows = []
    for mother, (reporter, registered_on, lmp, edd) in zip(mothers, rows, strict=True):
        birth_date = edd + timedelta(days=rng.randint(-14, 10))
        outcome = rng.random()
        status, closed_on = Pregnancy.Status.ACTIVE, None
        if birth_date <= last_day and outcome < 0.9:
            status, closed_on = Pregnancy.Status.DELIVERED, birth_date
        elif outcome > 0.97:
            status, closed_on = Pregnancy.Status.MOVED, min(last_day, registered_on + timedelta(days=30))
        pregnancy_rows.append(
            Pregnancy(
                mother=mother,
                reporter=reporter,
                facility=reporter.facility,
                village=reporter.village,
                last_menstrual_period=lmp,
                expected_delivery_date=edd,
                gravidity=2,
                parity=1,
                high_risk=rng.random() < 0.25,
                status=status,
                registered_on=registered_on,
                closed_on=closed_on,
            )
        )
    created = Pregnancy.objects.bulk_create(pregnancy_rows, batch_size=BATCH)
    visits, births, reminders, alerts, deaths, messages = [], [], [], [], [], []
    for p in created:
        end = p.closed_on or last_day
        for contact in range(2, 2 + rng.randint(0, 7)):
            visits.append(
                Visit(
                    pregnancy=p,
                    kind=Visit.Kind.ANC,
                    contact_number=contact,
                    visit_date=min(end, p.registered_on + timedelta(weeks=4 * (contact - 1))),
                )
            )
        for sequence, weeks in enumerate((20, 26, 30), start=1):
            due = p.last_menstrual_period + timedelta(weeks=weeks)
            if due < p.registered_on or due > last_day:
                continue
            missed = rng.random() < 0.15
            reminders.append(
                Reminder(
                    pregnancy=p,
                    kind=Reminder.Kind.ANC,
                    sequence=sequence,
                    due_date=due,
                    status=Reminder.Status.MISSED if missed else Reminder.Status.CLEARED,
                    sent_at=at(due, 9),
                )
            )
        if rng.random() < 0.08:
            raised = at(
                p.registered_on + timedelta(days=rng.randrange(max(1, (end - p.registered_on).days))),
                rng.randrange(24),
                rng.randrange(60),
            )
            acknowledged = raised + timedelta(minutes=rng.randint(1, 40)) if rng.random() < 0.85 else None
            alerts.append(
                Alert(
                    pregnancy=p,
                    mother_identifier=p.mother.identifier,
                    reporter=p.reporter,
                    sender_phone=p.reporter.phone,
                    facility=p.facility,
                    danger_signs=["he"],
                    status=Alert.Status.CLOSED if acknowledged and rng.random() < 0.9 else Alert.Status.OPEN,
                    raised_at=raised,
                    acknowledged_at=acknowledged,
                    closed_at=acknowledged + timedelta(hours=3) if acknowledged else None,
                )
            )
        messages.append(
            InboundMessage(
                phone=str(p.reporter.phone),
                backend="bench",
                text="PRE",
                keyword="PRE",
                accepted=True,
                received_at=at(p.registered_on),
            )
        )
        if p.status == Pregnancy.Status.DELIVERED:
            assert p.closed_on is not None  # a delivered pregnancy closed on its birth date
            births.append(Birth(pregnancy=p, birth_date=p.closed_on, place=rng.choice(BIRTH_PLACES)))
    Visit.objects.bulk_create(visits, batch_size=BATCH)
    Reminder.objects.bulk_create(reminders, batch_size=BATCH)
    Alert.objects.bulk_create(alerts, batch_size=BATCH)
    births = Birth.objects.bulk_create(births, batch_size=BATCH)
    babies = []
    for birth in births:
        stillborn = rng.random() < 0.01
        babies.append(Baby(birth=birth, child_number=1, sex=Baby.Sex.GIRL, stillborn=stillborn))
        messages.append(
            InboundMessage(
                phone=str(birth.pregnancy.reporter.phone),
                backend="bench",
                text="BIR",
                keyword="BIR",
                accepted=True,
                received_at=at(birth.birth_date, 20),
            )
        )
        roll = rng.random()
        if roll < 0.01:
            deaths.append(
                Death(
                    pregnancy=birth.pregnancy,
                    kind=Death.Kind.NEWBORN,
                    date=birth.birth_date + timedelta(days=rng.randint(0, 27)),
                )
            )
        elif roll < 0.012:
            deaths.append(Death(pregnancy=birth.pregnancy, kind=Death.Kind.MATERNAL, date=birth.birth_date))
    Baby.objects.bulk_create(babies, batch_size=BATCH)
    Death.objects.bulk_create(deaths, batch_size=BATCH)
    InboundMessage.objects.bulk_create(messages, batch_size=BATCH)
    return (
        len(mothers)
        + len(created)
        + len(visits)
        + len(reminders)
        + len(alerts)
        + len(births) * 2
        + len(deaths)
        + len(messages)
    )


def build_database(pregnancies: int, other_pregnancies: int) -> None:
    for leftover in (DATABASE, Path(f"{DATABASE}-wal"), Path(f"{DATABASE}-shm")):
        leftover.unlink(missing_ok=True)
    shutil.rmtree(MEDIA / "reports", ignore_errors=True)  # PDFs of the previous database
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    rng = random.Random(2026)
    rows = 0
    for number, place in enumerate(build_places()):
        count = pregnancies if number == 0 else other_pregnancies
        rows += build_district_history(place, count, rng, serial=number * 1_000_000)
    print(f"data_rows={rows}")
    print(f"data_seconds={time.perf_counter() - started:.1f}")


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--pregnancies", type=int, default=20_000, help="in the first district (default 20000)"
    )
    parser.add_argument(
        "--other-pregnancies", type=int, default=5_000, help="in each other district (default 5000)"
    )
    parser.add_argument("--keep-data", action="store_true", help="reuse the database of the previous run")
    arguments = parser.parse_args()
    MEDIA.mkdir(parents=True, exist_ok=True)
    if not (arguments.keep_data and DATABASE.exists()):
        build_database(arguments.pregnancies, arguments.other_pregnancies)
    districts = list(Location.objects.filter(level=Location.Level.DISTRICT).order_by("code"))
    first = districts[0]
    one = [timed(lambda: generate_report(district=first, month=REPORT_MONTH)) for _run in range(3)]
    every = timed(lambda: [generate_report(district=district, month=REPORT_MONTH) for district in districts])
    print(f"pregnancies_in_district={Pregnancy.objects.filter(village__district=first).count()}")
    print(f"report_one_district_seconds={statistics.median(one):.2f}")
    print(f"report_all_districts_seconds={every:.2f}")
    print(f"districts={len(districts)}")


if __name__ == "__main__":
    main()
