"""Factories for the report tests: districts with several sectors, and the records indicators count
(births, visits, deaths, alerts, reminders, inbound messages), plus web users with a profile."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import factory
from django.contrib.auth.models import User

from maternal.models import Alert, Baby, Birth, Death, Facility, Location, Visit
from messaging.models import InboundMessage
from reminders.models import Reminder
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
            code=f"{prefix}01", name=f"{sector_name} cell", level=Location.Level.CELL, parent=sector,
            district=district, sector=sector,
        )
        village = LocationFactory(
            code=f"{prefix}0101", name=f"{sector_name} village", level=Location.Level.VILLAGE, parent=cell,
            district=district, sector=sector,
        )
        facility = Facility.objects.create(
            code=prefix, name=f"{sector_name} health centre", kind=Facility.Kind.HEALTH_CENTRE, location=village
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

    mother_identifier = factory.LazyAttribute(lambda alert: alert.pregnancy.mother.identifier if alert.pregnancy else "")
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


def web_user(username: str, *, district: Location | None = None, national: bool = False, **fields) -> User:
    """A user with a reports profile: ``district`` for a district official, ``national`` for national
    staff; neither for a user without a profile."""
    user = User.objects.create_user(username=username, password="a-long-test-password", **fields)
    if district is not None or national:
        OfficialProfile.objects.create(user=user, district=district)
    return user
