"""``manage.py seed_demo``: a realistic past for the demo, over the last 13 months: the active
volunteers' SMS (PRE, ANC, RISK, RED, RAR, BIR, PNC, DTH, LOS, DEP) and the midwives' OK, each sent
through the real router (``messaging.router.simulate``) with the clock set to the moment it was
sent, in time order. So everything the SMS path writes is there, dated as it happened: pregnancies
registered over the year, visits, births on their day, alerts acknowledged fast, slowly or never,
and the accepted reports that make volunteers active and data complete. In the last full month each
district has a stillbirth and a newborn death, and one volunteer who sent nothing (for the report's
events to review and its list of silent volunteers). Running it again adds nothing for mothers it
already created."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import time_machine
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from maternal.models import Mother, Reporter, Staff
from messaging.router import simulate

DANGER_SIGNS = ["he", "co", "ap", "la", "pa", "shb"]
SYMPTOMS = ["oe", "fe", "ma", "vo", "sa"]
#: The weeks of the WHO 2016 contacts after the first (the PRE is contact 1).
ANC_WEEKS = (20, 26, 30, 34, 36, 38, 40)
HISTORY_DAYS = 396  # 13 months: the last full month and its 12-month trend


@dataclass(frozen=True, order=True)
class Sms:
    at: datetime
    phone: str
    text: str


class Command(BaseCommand):
    help = (
        "Create a realistic year of demo SMS (pregnancies, visits, alerts, births) for the active volunteers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--pregnancies", type=int, default=240, help="how many mothers (default 240)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (same seed, same data)")

    def handle(self, *args, pregnancies: int, seed: int, **options):
        volunteers = list(
            Reporter.objects.filter(status=Reporter.Status.ACTIVE)
            .select_related("facility", "village")
            .order_by("pk")
        )
        if not volunteers:
            raise CommandError("no active volunteers: import fixtures/reporters.csv first")
        rng = random.Random(seed)
        now = timezone.localtime()
        first_day = now.date() - timedelta(days=HISTORY_DAYS)
        midwives = {
            staff.facility_id: str(staff.phone)
            for staff in Staff.objects.filter(role=Staff.Role.MIDWIFE, on_duty=True).order_by("-pk")
        }
        last_month = (now.date().replace(day=1) - timedelta(days=1)).replace(day=1)
        demo_deaths = {v.village.district_id: ["sb", "nd"] for v in volunteers}  # in the last full month
        by_district: dict[int | None, list[str]] = {}
        for volunteer in volunteers:
            by_district.setdefault(volunteer.village.district_id, []).append(str(volunteer.phone))
        # Each district's last volunteer sends nothing in the last full month (where others report).
        silent = {phones[-1] for phones in by_district.values() if len(phones) >= 3}
        messages: list[Sms] = []
        created = 0
        for number in range(pregnancies):
            volunteer = volunteers[number % len(volunteers)]
            identifier = f"1{1980 + number % 25}7{number:08d}{seed % 100:02d}"
            if Mother.objects.filter(identifier=identifier).exists():
                rng.random()  # keep the sequence of the other mothers the same
                continue
            created += 1
            messages += self.one_pregnancy(
                rng,
                volunteer,
                midwives.get(volunteer.facility_id),
                identifier,
                first_day,
                now,
                last_month,
                demo_deaths[volunteer.village.district_id],
            )
        month_end = (last_month + timedelta(days=32)).replace(day=1)
        messages = [
            sms
            for sms in messages
            if not (sms.phone in silent and last_month <= timezone.localtime(sms.at).date() < month_end)
        ]
        # The volunteers were working before the first SMS of the demo (data completeness counts
        # the volunteers registered before each month ends).
        joined = timezone.make_aware(datetime.combine(first_day - timedelta(days=30), time(9)))
        Reporter.objects.filter(pk__in=[v.pk for v in volunteers], registered_at__gt=joined).update(
            registered_at=joined, approved_at=joined
        )
        for sms in tqdm(sorted(messages), desc="demo SMS", unit="sms"):
            with time_machine.travel(sms.at, tick=False):
                simulate(phone=sms.phone, text=sms.text)
        self.stdout.write(
            f"created {created} demo mothers ({pregnancies - created} already there), {len(messages)} SMS"
        )

    def one_pregnancy(
        self,
        rng: random.Random,
        volunteer: Reporter,
        midwife: str | None,
        identifier: str,
        first_day: date,
        now: datetime,
        last_month: date,
        demo_deaths: list[str],
    ) -> list[Sms]:
        """Every SMS about one mother, from her registration to her last postnatal visit (or today)."""
        today = now.date()
        phone = str(volunteer.phone)

        def at(day: date, hour: int | None = None) -> datetime:
            moment = datetime.combine(
                day, time(hour if hour is not None else rng.randint(8, 17), rng.randint(0, 59))
            )
            return min(timezone.make_aware(moment), now - timedelta(minutes=5))

        registered = first_day + timedelta(days=rng.randint(0, (today - first_day).days))
        weeks_then = rng.randint(6, 11) if rng.random() < 0.55 else rng.randint(12, 30)
        lmp = registered - timedelta(weeks=weeks_then, days=rng.randint(0, 6))
        gravidity = rng.randint(1, 6)
        risks = rng.choice(["gs", "hd", "rm"]) if rng.random() < 0.2 else "nr"
        text = f"PRE {identifier} {lmp:%d.%m.%Y} {gravidity} {rng.randint(0, gravidity - 1)} {risks} np"
        messages = [Sms(at(registered), phone, text)]
        birth_date = lmp + timedelta(weeks=39, days=rng.randint(-10, 10))
        end = min(birth_date, today)
        for contact, week in enumerate(ANC_WEEKS, start=2):
            visit = lmp + timedelta(weeks=week)
            if registered < visit < end and rng.random() < 0.75:
                messages.append(Sms(at(visit), phone, f"ANC {identifier} {visit:%d.%m.%Y} {contact} np"))
        roll = rng.random()
        if roll < 0.04:  # a loss before 20 weeks
            lost = lmp + timedelta(weeks=rng.randint(weeks_then + 1, max(weeks_then + 1, 20)))
            if lost < today:
                messages.append(Sms(at(lost), phone, f"LOS {identifier} {lost:%d.%m.%Y}"))
            return messages
        if roll < 0.05:
            messages.append(Sms(at(min(registered + timedelta(days=20), today)), phone, f"DEP {identifier}"))
            return messages
        if roll < 0.12:
            messages += self.red_alert(rng, phone, midwife, identifier, at, registered, end)
        elif roll < 0.20 and registered < end:
            day = registered + timedelta(days=rng.randint(0, (end - registered).days))
            messages.append(Sms(at(day), phone, f"RISK {identifier} {rng.choice(SYMPTOMS)} ho"))
        if birth_date >= today:
            return messages
        forced = (
            demo_deaths.pop(0)
            if demo_deaths and birth_date >= last_month and birth_date < last_month + timedelta(days=20)
            else None
        )
        outcome = forced or (
            "sb"
            if rng.random() < 0.02
            else "nd"
            if rng.random() < 0.02
            else "md"
            if rng.random() < 0.003
            else ""
        )
        place = rng.choices(["hc", "hp", "ho", "or"], weights=[68, 24, 6, 2])[0]
        sex = rng.choice(["bo", "gi"])
        if outcome == "md":
            messages.append(Sms(at(birth_date), phone, f"DTH {identifier} md {birth_date:%d.%m.%Y}"))
            return messages
        if outcome == "sb":
            text = f"BIR {identifier} {birth_date:%d.%m.%Y} {place} {sex} sb nb"
        else:
            weight = rng.randint(26, 39) / 10
            text = f"BIR {identifier} {birth_date:%d.%m.%Y} {place} {sex} wt{weight} bf1"
        reported = min(birth_date + timedelta(days=rng.choice([0, 0, 1, 2])), today)
        messages.append(Sms(at(reported), phone, text))
        if outcome == "sb":
            return messages
        if outcome == "nd":
            died = min(birth_date + timedelta(days=rng.randint(1, 10)), today)
            messages.append(Sms(at(died), phone, f"DTH {identifier} nd {died:%d.%m.%Y}"))
            return messages
        visit = birth_date + timedelta(days=1)
        if visit < today and rng.random() < 0.7:
            messages.append(Sms(at(max(visit, reported)), phone, f"PNC {identifier} 1 {visit:%d.%m.%Y} np"))
        return messages

    def red_alert(self, rng, phone, midwife, identifier, at, registered: date, end: date) -> list[Sms]:
        """A RED, the midwife's OK (soon, late or never) and the volunteer's RAR hours later."""
        if end <= registered:
            return []
        raised = at(registered + timedelta(days=rng.randint(0, (end - registered).days)))
        signs = " ".join(rng.sample(DANGER_SIGNS, 2))
        messages = [Sms(raised, phone, f"RED {identifier} {signs} ho")]
        speed = rng.random()
        if midwife and speed < 0.85:
            minutes = rng.randint(2, 9) if speed < 0.6 else rng.randint(11, 45)
            messages.append(Sms(raised + timedelta(minutes=minutes), midwife, "OK"))
        outcome = rng.choice(["mw", "mw", "ms"])
        messages.append(
            Sms(raised + timedelta(hours=rng.randint(2, 6)), phone, f"RAR {identifier} {outcome} pr")
        )
        return messages
