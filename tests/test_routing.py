"""Which backend an outgoing SMS takes: a reply goes back the way its message came; everything the
system starts (alerts, escalations, digests, reminders, notices) goes through the production
backend, whichever backend the phone last wrote from. A midwife's number once typed into the web
tester must not send her alerts into the tester's database."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from maternal import alerts, care_plan
from maternal.models import EscalationStep, Reminder, Staff
from messaging.models import OutgoingMessage
from messaging.router import receive_sms
from messaging.services import send_sms
from reminders import services
from tests.factories import FacilityFactory, PregnancyFactory, ReporterFactory, StaffFactory

PRODUCTION = "kannel-backend"


@pytest.fixture
def production_backend(settings):
    settings.SMS_BACKEND = PRODUCTION


@pytest.fixture
def centre(db):
    return FacilityFactory()


@pytest.fixture
def midwife(centre):
    return StaffFactory(facility=centre, role=Staff.Role.MIDWIFE, language="en")


@pytest.fixture
def volunteer(centre):
    return ReporterFactory(facility=centre, language="en")


def from_tester(phone, text: str, capture) -> None:
    with capture(execute=False):
        receive_sms(backend="message_tester", identity=str(phone), text=text)


def last_to(phone) -> OutgoingMessage:
    return OutgoingMessage.objects.filter(phone=str(phone)).latest("pk")


def test_a_reply_to_a_tester_message_goes_back_to_the_tester(
    production_backend, midwife, django_capture_on_commit_callbacks
):
    from_tester(midwife.phone, "WHO", django_capture_on_commit_callbacks)
    reply = last_to(midwife.phone)
    assert (reply.kind, reply.backend) == (OutgoingMessage.Kind.REPLY, "message_tester")


def test_an_alert_to_a_midwife_who_used_the_tester_goes_through_the_production_backend(
    production_backend, midwife, volunteer, django_capture_on_commit_callbacks
):
    from_tester(midwife.phone, "WHO", django_capture_on_commit_callbacks)
    pregnancy = PregnancyFactory(reporter=volunteer)
    with django_capture_on_commit_callbacks(execute=False):
        receive_sms(
            backend=PRODUCTION, identity=str(volunteer.phone), text=f"RED {pregnancy.mother.identifier} he"
        )
    alerts.sweep_escalations()
    alert = last_to(midwife.phone)
    assert (alert.kind, alert.backend, alert.identity) == (
        OutgoingMessage.Kind.ALERT,
        PRODUCTION,
        str(midwife.phone),
    )


def test_a_later_escalation_level_to_a_phone_that_used_the_tester_goes_through_the_production_backend(
    production_backend, centre, volunteer, django_capture_on_commit_callbacks
):
    in_charge = StaffFactory(facility=centre, role=Staff.Role.IN_CHARGE)
    from_tester(in_charge.phone, "WHO", django_capture_on_commit_callbacks)
    pregnancy = PregnancyFactory(reporter=volunteer)
    with django_capture_on_commit_callbacks(execute=False):
        receive_sms(
            backend=PRODUCTION, identity=str(volunteer.phone), text=f"RED {pregnancy.mother.identifier} he"
        )
    step = EscalationStep.objects.get(level=2)
    alerts.run_step(step.pk, now=step.due_at)
    assert last_to(in_charge.phone).backend == PRODUCTION


def test_a_reminder_digest_to_a_volunteer_who_used_the_tester_goes_through_the_production_backend(
    production_backend, volunteer, settings, django_capture_on_commit_callbacks
):
    settings.REMINDER_WINDOW = ("00:00", "23:59:59")
    from_tester(volunteer.phone, "WHO", django_capture_on_commit_callbacks)
    pregnancy = PregnancyFactory(reporter=volunteer)
    care_plan.plan_pregnancy(pregnancy, today=timezone.localdate())
    Reminder.objects.filter(pregnancy=pregnancy).update(due_date=timezone.localdate())
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        services.send_due_reminders()
    digest = last_to(volunteer.phone)
    assert (digest.kind, digest.backend) == (OutgoingMessage.Kind.REMINDER, PRODUCTION)


def test_a_notice_the_system_starts_goes_through_the_production_backend_even_to_a_tester_phone(
    production_backend, midwife, django_capture_on_commit_callbacks
):
    from_tester(midwife.phone, "WHO", django_capture_on_commit_callbacks)
    message = send_sms(phone=str(midwife.phone), text="Hello", kind=OutgoingMessage.Kind.NOTICE)
    assert message.backend == PRODUCTION
