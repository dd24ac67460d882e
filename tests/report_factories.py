"""Factories for the report tests: districts with several sectors, the records indicators count
(births, visits, deaths, alerts, reminders, inbound messages), web users with a profile, and the
hand-built January 2026 data set whose figures the indicator tests work out by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import factory
from django.contrib.auth.models import Permission, User

from maternal.models import (
    Alert,
    Baby,
    Birth,
    Death,
    Facility,
    Location,
    Pregnancy,
    Reminder,
    Reporter,
    Visit,
)
from messaging.models import InboundMessage
from reminders.models import CoverCheck
from reports.models import OfficialProfile
from tests.factories import LocationFactory, PregnancyFactory, ReporterFactory

KIGALI = ZoneInfo("Africa/Kigali")


def kigali(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=KIGALI)


@dataclass
class Sector:
    sector: Location
    village: Location
    facility: Facility


@dataclass
class District:
    district: Location
    sectors: list[Sector]


def district_with_sectors(code: str, name: str, sector_names: list[str]) -> District:
    """A district whose sectors each have one cell, one village and one health centre."""
    province = LocationFactory(code=f"P{code}", name=f"Province of {name}", level=Location.Level.PROVINCE)
    district = LocationFactory(code=code, name=name, level=Location.Level.DISTRICT, parent=province)
    district.district = district
    district.save()
    sectors = []
    for number, sector_name in enumerate(sector_names, start=1):
        prefix = f"{code}{number:02d}"
        sector = LocationFactory(
            code=prefix, name=sector_name, level=Location.Level.SECTOR, parent=district, district=district
        )
        sector.sector = sector
        sector.save()
        cell = LocationFactory(
            code=f"{prefix}01",
            name=f"{sector_name} cell",
            level=Location.Level.CELL,
            parent=sector,
            district=district,
            sector=sector,
        )
        village = LocationFactory(
            code=f"{prefix}0101",
            name=f"{sector_name} village",
            level=Location.Level.VILLAGE,
            parent=cell,
            district=district,
            sector=sector,
        )
        facility = Facility.objects.create(
            code=prefix,
            name=f"{sector_name} health centre",
            kind=Facility.Kind.HEALTH_CENTRE,
            location=village,
        )
        sectors.append(Sector(sector=sector, village=village, facility=facility))
    return District(district=district, sectors=sectors)


def volunteer(place: Sector, **fields):
    return ReporterFactory(facility=place.facility, village=place.village, **fields)


def pregnancy(place: Sector, *, reporter=None, **fields):
    """A pregnancy of a mother living in the sector's village."""
    return PregnancyFactory(reporter=reporter or volunteer(place), **fields)


class BirthFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Birth

    pregnancy = factory.SubFactory(PregnancyFactory, status="delivered")
    birth_date = date(2026, 1, 15)
    place = "hc"


class BabyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Baby

    birth = factory.SubFactory(BirthFactory)
    child_number = 1
    sex = Baby.Sex.GIRL


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    kind = Visit.Kind.ANC
    contact_number = factory.Sequence(lambda n: n % 8 + 2)
    visit_date = date(2025, 9, 1)


class DeathFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Death

    kind = Death.Kind.MATERNAL
    date = date(2026, 1, 15)


class AlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alert

    mother_identifier = factory.LazyAttribute(
        lambda alert: alert.pregnancy.mother.identifier if alert.pregnancy else ""
    )
    sender_phone = "+250788000001"
    facility = factory.LazyAttribute(lambda alert: alert.pregnancy.facility if alert.pregnancy else None)
    danger_signs = ["he"]
    raised_at = kigali(2026, 1, 15)


class ReminderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reminder

    kind = Reminder.Kind.ANC
    sequence = factory.Sequence(lambda n: n + 1)
    due_date = date(2026, 1, 10)


class InboundMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InboundMessage

    backend = "message_tester"
    text = "PRE ..."
    keyword = "PRE"
    accepted = True
    received_at = kigali(2026, 1, 15)


def web_user(
    username: str,
    *,
    district: Location | None = None,
    national: bool = False,
    permissions: tuple[str, ...] = (),
    **fields,
) -> User:
    """A user with a reports profile: ``district`` for a district official, ``national`` for national
    staff; neither for a user without a profile. ``permissions`` are codenames of the messaging app
    (``view_message_log``)."""
    user = User.objects.create_user(username=username, password="a-long-test-password", **fields)
    if district is not None or national:
        OfficialProfile.objects.create(user=user, district=district)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="messaging", codename__in=permissions)
    )
    return user


def january_data_set() -> District:
    """The indicator tests' data set for January 2026 (Africa/Kigali). District Gasabo (code 102)
    has sectors Kacyiru and Remera; Nyarugenge (101) holds records that must not count for Gasabo.
    Names (P1, A1, r1...) are those the tests' arithmetic refers to."""
    gasabo = district_with_sectors("102", "Gasabo", ["Kacyiru", "Remera"])
    kacyiru, remera = gasabo.sectors
    nyarugenge = district_with_sectors("101", "Nyarugenge", ["Nyamirambo"]).sectors[0]

    # Volunteers: r1 Kacyiru, r2 Remera, r3 Kacyiru (never reports), r4 Remera (inactive now),
    # r5 Remera (reports only in February). All registered in 2025.
    r1, r3 = volunteer(kacyiru), volunteer(kacyiru)
    r2, r5 = volunteer(remera), volunteer(remera)
    r4 = volunteer(remera, status=Reporter.Status.INACTIVE)
    outsider = volunteer(nyarugenge)
    Reporter.objects.update(registered_at=kigali(2025, 6, 1))

    # New pregnancies of January.
    p1 = pregnancy(
        kacyiru,
        reporter=r1,
        last_menstrual_period=date(2025, 11, 10),
        registered_on=date(2026, 1, 5),
        high_risk=True,
    )  # 56 days of gestation at registration
    p2 = pregnancy(
        kacyiru, reporter=r1, last_menstrual_period=date(2025, 10, 1), registered_on=date(2026, 1, 20)
    )
    p3 = pregnancy(
        remera, reporter=r2, last_menstrual_period=date(2025, 10, 20), registered_on=date(2026, 1, 12)
    )
    # P4: the mother moved away on 15 January; she was registered in December, high-risk.
    pregnancy(
        remera,
        reporter=r2,
        last_menstrual_period=date(2025, 9, 1),
        registered_on=date(2025, 12, 10),
        high_risk=True,
        status=Pregnancy.Status.MOVED,
        closed_on=date(2026, 1, 15),
    )
    # P12: high-risk, delivered on 3 February, so still active at the end of January.
    pregnancy(
        remera,
        reporter=r2,
        registered_on=date(2025, 11, 1),
        high_risk=True,
        status=Pregnancy.Status.DELIVERED,
        closed_on=date(2026, 2, 3),
    )
    # P13: high-risk but registered after January.
    pregnancy(kacyiru, reporter=r1, registered_on=date(2026, 2, 2), high_risk=True)

    # Births. P5: at a health centre on 31 January (reported at 23:30 that night); registered by the
    # long-form PRE at ANC 1 (its next-visit date), then 3 ANC visits.
    p5 = pregnancy(
        kacyiru,
        reporter=r1,
        registered_on=date(2025, 6, 1),
        next_visit_date=date(2025, 7, 1),
        status=Pregnancy.Status.DELIVERED,
    )
    BirthFactory(
        pregnancy=p5,
        birth_date=date(2026, 1, 31),
        place="hc",
        source_message=InboundMessageFactory(
            phone=str(r1.phone), keyword="BIR", received_at=kigali(2026, 1, 31, 23, 30)
        ),
    )
    VisitFactory.create_batch(3, pregnancy=p5)
    # P6: at home on 10 January; long-form PRE at ANC 1, then 7 ANC visits (and a PNC visit, which
    # is not antenatal); her baby died on 25 January, 15 days old.
    p6 = pregnancy(
        remera,
        reporter=r2,
        registered_on=date(2025, 5, 15),
        next_visit_date=date(2025, 6, 15),
        status=Pregnancy.Status.DELIVERED,
    )
    baby6 = BabyFactory(birth=BirthFactory(pregnancy=p6, birth_date=date(2026, 1, 10), place="ho"))
    VisitFactory.create_batch(7, pregnancy=p6)
    VisitFactory(pregnancy=p6, kind="pnc", contact_number=1, visit_date=date(2026, 1, 11))
    DeathFactory(pregnancy=p6, baby=baby6, kind=Death.Kind.NEWBORN, date=date(2026, 1, 25))
    # P7: at a hospital on 1 February: a February birth.
    p7 = pregnancy(remera, reporter=r2, registered_on=date(2025, 5, 1), status=Pregnancy.Status.DELIVERED)
    BirthFactory(pregnancy=p7, birth_date=date(2026, 2, 1), place="hp")
    # P8: at a hospital on 3 January, stillborn (BIR only, no DTH), no ANC visit.
    p8 = pregnancy(kacyiru, reporter=r1, registered_on=date(2025, 5, 1), status=Pregnancy.Status.DELIVERED)
    BabyFactory(birth=BirthFactory(pregnancy=p8, birth_date=date(2026, 1, 3), place="hp"), stillborn=True)
    # P9: at a health centre on 19 January, stillborn, reported both by BIR and by DTH sbd.
    p9 = pregnancy(kacyiru, reporter=r1, registered_on=date(2025, 5, 1), status=Pregnancy.Status.LOST)
    BabyFactory(birth=BirthFactory(pregnancy=p9, birth_date=date(2026, 1, 19), place="hc"), stillborn=True)
    DeathFactory(pregnancy=p9, kind=Death.Kind.STILLBIRTH, date=date(2026, 1, 20))
    # P10: born 1 December; newborn death reported on 5 January, 35 days old.
    p10 = pregnancy(kacyiru, reporter=r1, registered_on=date(2025, 4, 1), status=Pregnancy.Status.DELIVERED)
    BirthFactory(pregnancy=p10, birth_date=date(2025, 12, 1), place="hc")
    DeathFactory(pregnancy=p10, kind=Death.Kind.NEWBORN, date=date(2026, 1, 5))
    # P11: maternal death on 8 January.
    p11 = pregnancy(
        remera, reporter=r2, registered_on=date(2025, 4, 1), status=Pregnancy.Status.MATERNAL_DEATH
    )
    DeathFactory(pregnancy=p11, kind=Death.Kind.MATERNAL, date=date(2026, 1, 8))

    # Red alerts. A1 Kacyiru 4 min; A2 Kacyiru raised 23:55 on 31 January, acknowledged 00:03 on
    # 1 February (8 min); A3 Remera 25 min; A4 Remera never acknowledged; A5 raised 00:30 on
    # 1 February in Kigali (still 31 January in UTC).
    AlertFactory(
        pregnancy=p1,
        raised_at=kigali(2026, 1, 10, 8, 0),
        acknowledged_at=kigali(2026, 1, 10, 8, 4),
        status="closed",
        closed_at=kigali(2026, 1, 10, 12),
    )
    AlertFactory(
        pregnancy=p2,
        raised_at=kigali(2026, 1, 31, 23, 55),
        acknowledged_at=kigali(2026, 2, 1, 0, 3),
        status="acknowledged",
    )
    AlertFactory(
        pregnancy=p3,
        raised_at=kigali(2026, 1, 15, 12, 0),
        acknowledged_at=kigali(2026, 1, 15, 12, 25),
        status="closed",
        closed_at=kigali(2026, 1, 15, 18),
    )
    AlertFactory(pregnancy=p3, raised_at=kigali(2026, 1, 20, 9, 0))
    # (Sent without the mother's ID: her alert A4 is still open, and a RED with her ID would join it.)
    AlertFactory(pregnancy=p3, mother_identifier="", raised_at=kigali(2026, 2, 1, 0, 30))

    # Reminders. Sent: R1 5 January, R2 31 January 23:30, R3 1 February 00:10 (February).
    ReminderFactory(pregnancy=p1, status=Reminder.Status.SENT, sent_at=kigali(2026, 1, 5, 9))
    ReminderFactory(pregnancy=p2, status=Reminder.Status.SENT, sent_at=kigali(2026, 1, 31, 23, 30))
    ReminderFactory(pregnancy=p3, status=Reminder.Status.SENT, sent_at=kigali(2026, 2, 1, 0, 10))
    # Missed: M1 due 20 December (missed on 3 January); M2 due 20 January (missed on 3 February);
    # M3 due 17 December (missed on 31 December); a planned reminder is not missed.
    ReminderFactory(pregnancy=p1, status=Reminder.Status.MISSED, due_date=date(2025, 12, 20))
    ReminderFactory(pregnancy=p2, status=Reminder.Status.MISSED, due_date=date(2026, 1, 20))
    ReminderFactory(pregnancy=p3, status=Reminder.Status.MISSED, due_date=date(2025, 12, 17))
    ReminderFactory(pregnancy=p3, status=Reminder.Status.PLANNED, due_date=date(2025, 12, 25))
    # After the EDD (not visits): O1 due 20 December, sent, marked missed by an older rule;
    # O2 due 12 January, sent that day at 09:00; O3 due 15 January, expired unsent; O4 due 18 January,
    # cancelled before its day (the birth had been reported).
    post_edd = Reminder.Kind.POST_EDD
    ReminderFactory(
        pregnancy=p1,
        kind=post_edd,
        sequence=1,
        status=Reminder.Status.MISSED,
        due_date=date(2025, 12, 20),
        sent_at=kigali(2025, 12, 20, 9),
    )
    ReminderFactory(
        pregnancy=p2,
        kind=post_edd,
        sequence=1,
        status=Reminder.Status.SENT,
        due_date=date(2026, 1, 12),
        sent_at=kigali(2026, 1, 12, 9),
    )
    ReminderFactory(
        pregnancy=p3, kind=post_edd, sequence=1, status=Reminder.Status.EXPIRED, due_date=date(2026, 1, 15)
    )
    ReminderFactory(
        pregnancy=p1, kind=post_edd, sequence=2, status=Reminder.Status.CANCELLED, due_date=date(2026, 1, 18)
    )

    # Inbound reports. r1 PRE; r2 ANC at 23:30 on 31 January; r3 only HELP, and a refused PRE;
    # r4 (inactive now) BIR; r5 PRE at 00:15 on 1 February.
    InboundMessageFactory(phone=str(r2.phone), keyword="ANC", received_at=kigali(2026, 1, 31, 23, 30))
    InboundMessageFactory(phone=str(r3.phone), keyword="HELP", received_at=kigali(2026, 1, 10))
    InboundMessageFactory(phone=str(r3.phone), keyword="", accepted=False, received_at=kigali(2026, 1, 11))
    InboundMessageFactory(phone=str(r4.phone), keyword="BIR", received_at=kigali(2026, 1, 12))
    InboundMessageFactory(phone=str(r5.phone), keyword="PRE", received_at=kigali(2026, 2, 1, 0, 15))

    # Nyarugenge: one of everything in January, none of which may count for Gasabo.
    other = pregnancy(nyarugenge, reporter=outsider, registered_on=date(2026, 1, 7), high_risk=True)
    BirthFactory(
        pregnancy=pregnancy(nyarugenge, reporter=outsider, status="delivered"), birth_date=date(2026, 1, 9)
    )
    AlertFactory(pregnancy=other, raised_at=kigali(2026, 1, 9), acknowledged_at=kigali(2026, 1, 9, 12, 1))
    DeathFactory(pregnancy=other, kind=Death.Kind.MATERNAL, date=date(2026, 1, 9))
    ReminderFactory(pregnancy=other, status=Reminder.Status.SENT, sent_at=kigali(2026, 1, 9))
    InboundMessageFactory(phone=str(outsider.phone), keyword="PRE", received_at=kigali(2026, 1, 9))
    return gasabo


def uncovered_mornings(gasabo: District) -> None:
    """Kacyiru's health centre had no midwife or nurse on duty on 3 and 31 January, Remera's on
    1 February; Gasabo's hospital on 5 January (not a health centre); Nyarugenge's centre on
    10 January (another district). Kacyiru was covered on 4 January."""
    kacyiru, remera = (place.facility for place in gasabo.sectors)
    hospital = Facility.objects.create(
        code="10299", name="Gasabo hospital", kind=Facility.Kind.HOSPITAL, location=gasabo.sectors[0].village
    )
    nyamirambo = Facility.objects.get(code="10101")
    for facility, day, covered in [
        (kacyiru, date(2026, 1, 3), False),
        (kacyiru, date(2026, 1, 4), True),
        (kacyiru, date(2026, 1, 31), False),
        (remera, date(2026, 2, 1), False),
        (hospital, date(2026, 1, 5), False),
        (nyamirambo, date(2026, 1, 10), False),
    ]:
        CoverCheck.objects.create(facility=facility, day=day, covered=covered, checked_at=kigali(2026, 1, 1))
