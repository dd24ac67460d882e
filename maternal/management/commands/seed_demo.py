"""``manage.py seed_demo``: synthetic but realistic demo data for the active volunteers: pregnancies
at every stage, antenatal visits, risks, red alerts (some acknowledged, some closed), births,
postnatal visits, losses and moves. Everything goes through the services, as SMS would; messages
are delivered in-process, so no worker or broker is needed. Running it again adds nothing for
mothers it already created."""

import random
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from maternal import services
from maternal.models import Mother, Reporter, Staff
from messaging.services import inline_delivery

DANGER_SIGNS = ["he", "co", "ap", "la", "pa", "shb"]
SYMPTOMS = ["oe", "fe", "ma", "vo", "sa"]


class Command(BaseCommand):
    help = "Create synthetic demo pregnancies, visits, alerts and births for the active volunteers."

    def add_arguments(self, parser):
        parser.add_argument("--pregnancies", type=int, default=240, help="how many mothers (default 240)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (same seed, same data)")

    def handle(self, *args, pregnancies: int, seed: int, **options):
        volunteers = list(Reporter.objects.filter(status=Reporter.Status.ACTIVE).select_related("facility"))
        if not volunteers:
            raise CommandError("no active volunteers: import fixtures/reporters.csv first")
        rng = random.Random(seed)
        today = timezone.localdate()
        created = 0
        with inline_delivery():
            for number in tqdm(range(pregnancies), desc="demo mothers", unit="mother"):
                volunteer = volunteers[number % len(volunteers)]
                identifier = f"1{1980 + number % 25}7{number:08d}{seed % 100:02d}"
                if Mother.objects.filter(identifier=identifier).exists():
                    continue
                self.follow_one_mother(rng, volunteer, identifier, today)
                created += 1
        self.stdout.write(f"created {created} demo mothers ({pregnancies - created} already there)")

    def follow_one_mother(self, rng: random.Random, volunteer: Reporter, identifier: str, today) -> None:
        weeks = rng.randint(6, 43)
        lmp = today - timedelta(weeks=weeks, days=rng.randint(0, 6))
        gravidity = rng.randint(1, 6)
        risky = rng.random() < 0.2
        services.register_pregnancy(
            reporter=volunteer,
            mother_id_kind="national",
            mother_identifier=identifier,
            last_menstrual_period=lmp,
            gravidity=gravidity,
            parity=rng.randint(0, gravidity - 1),
            previous_risks=[rng.choice(["gs", "hd", "rm"])] if risky else ["nr"],
            symptoms=["np"],
            today=today,
        )
        for contact, week in enumerate([12, 20, 26, 30, 34, 36, 38], start=1):
            if week < weeks and rng.random() < 0.75:
                services.record_antenatal_visit(
                    reporter=volunteer,
                    mother_identifier=identifier,
                    visit_date=lmp + timedelta(weeks=week),
                    contact_number=contact,
                    symptoms=["np"],
                )
        roll = rng.random()
        if roll < 0.06:
            services.report_risk(
                reporter=volunteer, mother_identifier=identifier, symptoms=[rng.choice(SYMPTOMS)]
            )
        elif roll < 0.10:
            self.red_alert(rng, volunteer, identifier)
        elif roll < 0.12:
            services.record_death(
                reporter=volunteer, mother_identifier=identifier, kind="mcc", date_of_death=today
            )
            return
        elif roll < 0.13:
            services.record_departure(reporter=volunteer, mother_identifier=identifier, new_village_code=None)
            return
        birth_date = lmp + timedelta(weeks=39, days=rng.randint(-10, 10))
        if weeks >= 38 and birth_date <= today:
            services.record_birth(
                reporter=volunteer,
                mother_identifier=identifier,
                birth_date=birth_date,
                place=rng.choice(["hc", "hc", "hc", "hp", "ho"]),
                babies=[services.NewBaby(1, rng.choice(["bo", "gi"]), None, ("np",))],
                breastfeeding="bf1",
                today=today,
            )
            if (today - birth_date).days >= 1 and rng.random() < 0.7:
                services.record_postnatal_visit(
                    reporter=volunteer,
                    mother_identifier=identifier,
                    visit_number=1,
                    visit_date=birth_date + timedelta(days=1),
                    symptoms=["np"],
                )

    def red_alert(self, rng: random.Random, volunteer: Reporter, identifier: str) -> None:
        alert = services.raise_alert(
            sender_phone=str(volunteer.phone),
            reporter=volunteer,
            mother_identifier=identifier,
            danger_signs=rng.sample(DANGER_SIGNS, 2),
            location="ho",
        ).alert
        midwife = Staff.objects.filter(facility=volunteer.facility, role=Staff.Role.MIDWIFE).first()
        if midwife and rng.random() < 0.7:
            services.acknowledge_alert(staff=midwife, alert_number=alert.pk)
            if rng.random() < 0.5:
                services.close_alert(reporter=volunteer, mother_identifier=identifier, statuses=["mw", "cw"])
