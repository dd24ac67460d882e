"""One emergency, one ladder; a ladder that never ends on nobody; RED replies that say what
happened, in one SMS. Through the real router with the clock pinned; later levels by ``run_due``."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection

from maternal import codes
from maternal.models import Alert, EscalationStep, Reporter, Staff
from messaging.router import receive_sms
from tests.clock import sent_at
from tests.conftest import KIGALI
from tests.factories import FacilityFactory, PregnancyFactory, ReporterFactory, StaffFactory, location_tree

RAISED = datetime(2026, 11, 26, 22, 0, tzinfo=KIGALI)
NATIONAL = [["+250788999111", "+250788999112"], ["+250788999221"], ["+250788999331"]]


@pytest.fixture
def people(db, settings):
    settings.FALLBACK_EMERGENCY_CONTACTS = NATIONAL
    places = location_tree("8")
    hospital = FacilityFactory(code="8000", kind="hospital", location=places["village"])
    centre = FacilityFactory(code="8101", name="Muhoza HC", location=places["village"], parent=hospital)
    return {
        "centre": centre,
        "volunteer": ReporterFactory(facility=centre, language="en", name="Uwase Marie"),
        "midwife": StaffFactory(
            facility=centre, role=Staff.Role.MIDWIFE, language="en", name="Mukamana Alice"
        ),
        "in_charge": StaffFactory(facility=centre, role=Staff.Role.IN_CHARGE, language="en"),
        "on_call": StaffFactory(facility=hospital, role=Staff.Role.MATERNITY_ON_CALL, language="en"),
        "official": StaffFactory(
            facility=None, district=places["district"], role=Staff.Role.DISTRICT_OFFICIAL, language="en"
        ),
    }


@pytest.fixture
def mother(people) -> str:
    return PregnancyFactory(reporter=people["volunteer"]).mother.identifier


@pytest.fixture
def at(sms):
    """Send an SMS ``minutes`` after the first alert: ``at(0, phone, text)`` -> {phone: text}."""

    def send(minutes: float, phone, text: str) -> dict[str, str]:
        with time_machine.travel(RAISED + timedelta(minutes=minutes), tick=False):
            return dict(sms(str(phone), text))

    return send


def run_due(minutes: float) -> dict[str, str]:
    """What run_due sends ``minutes`` after the first alert, as {phone: text}."""
    return sent_at(RAISED + timedelta(minutes=minutes))


def phone(person) -> str:
    return str(person.phone)


def nobody_on_duty() -> None:
    Staff.objects.update(on_duty=False)


# --- one emergency, one ladder -------------------------------------------------------------------


def test_a_second_red_for_a_mother_with_an_open_alert_joins_it(people, mother, at):
    at(0, people["volunteer"].phone, f"RED {mother} he")
    sent = at(3, people["volunteer"].phone, f"RED {mother} he sbp")
    assert Alert.objects.count() == 1
    assert Alert.objects.get().danger_signs == ["he", "sbp"]
    assert phone(people["in_charge"]) not in sent and phone(people["on_call"]) not in sent


def test_a_joined_reds_new_signs_go_to_the_midwife_who_acknowledged_it(people, mother, at):
    at(0, people["volunteer"].phone, f"RED {mother} he")
    alert = Alert.objects.get()
    other_midwife = StaffFactory(facility=people["centre"], role=Staff.Role.MIDWIFE)
    at(1, people["midwife"].phone, f"OK {alert.pk}")
    sent = at(3, people["volunteer"].phone, f"RED {mother} sbp")
    update = sent[phone(people["midwife"])]
    assert update.startswith(f"RED ALERT {alert.pk} update") and "New signs:" in update
    assert phone(other_midwife) not in sent


def test_a_joined_reds_new_signs_go_to_the_level_the_ladder_has_reached(people, mother, at):
    at(0, people["volunteer"].phone, f"RED {mother} he")
    run_due(10)  # level 2: the in-charge and the hospital's on-call
    sent = at(12, people["volunteer"].phone, f"RED {mother} sbp")
    assert {phone(people["in_charge"]), phone(people["on_call"])} <= set(sent)
    assert phone(people["official"]) not in sent


def test_a_joined_reds_new_signs_go_to_the_midwife_paged_even_after_her_shift_ended(people, mother, at):
    at(0, people["volunteer"].phone, f"RED {mother} he")
    at(1, people["midwife"].phone, "OFF")
    night_midwife = StaffFactory(facility=people["centre"], role=Staff.Role.MIDWIFE)
    sent = at(3, people["volunteer"].phone, f"RED {mother} sbp")
    assert sent[phone(people["midwife"])].startswith(f"RED ALERT {Alert.objects.get().pk} update")
    assert phone(night_midwife) not in sent


def test_the_volunteer_is_told_her_red_joined_the_open_alert(people, mother, at):
    at(0, people["volunteer"].phone, f"RED {mother} he")
    alert = Alert.objects.get()
    reply = at(3, people["volunteer"].phone, f"RED {mother} sbp")[phone(people["volunteer"])]
    assert reply.startswith(f"Alert {alert.pk} is already open: new signs sent to Mukamana Alice")


def test_a_joined_alert_keeps_the_timers_of_its_ladder(people, mother, at):
    at(0, people["volunteer"].phone, f"RED {mother} he")
    at(5, people["volunteer"].phone, f"RED {mother} sbp")
    assert run_due(9) == {}
    assert set(run_due(10)) == {phone(people["in_charge"]), phone(people["on_call"])}
    assert EscalationStep.objects.count() == 3


def test_a_red_after_the_alert_was_closed_starts_a_new_ladder(people, mother, at):
    at(0, people["volunteer"].phone, f"RED {mother} he")
    at(30, people["volunteer"].phone, f"RAR {mother} mw")
    sent = at(60, people["volunteer"].phone, f"RED {mother} he")
    assert Alert.objects.count() == 2
    assert "RED ALERT" in sent[phone(people["midwife"])]


@pytest.mark.django_db(transaction=True)
def test_two_reds_for_one_mother_at_the_same_instant_open_one_ladder(people, mother, settings):
    """Two volunteers' REDs, different gateway messages, in threads with their own connections."""
    second = ReporterFactory(facility=people["centre"], language="en")
    barrier = threading.Barrier(2)

    def send(volunteer: Reporter, msgid: str) -> None:
        try:
            barrier.wait()
            receive_sms(
                backend="kannel-backend",
                identity=str(volunteer.phone),
                text=f"RED {mother} he",
                gateway_id=msgid,
            )
        finally:
            connection.close()

    threads = [
        threading.Thread(target=send, args=(people["volunteer"], "a-1")),
        threading.Thread(target=send, args=(second, "b-1")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert Alert.objects.count() == 1
    assert EscalationStep.objects.count() == 3


# --- replies -----------------------------------------------------------------------------------


def test_a_red_with_a_mistyped_id_says_it_was_raised_and_notes_the_mistake(people, at):
    reply = at(0, people["volunteer"].phone, "RED 119987001234567 he")[phone(people["volunteer"])]
    assert reply.startswith(f"Alert {Alert.objects.get().pk} raised.")
    assert "not recorded" not in reply and "Note: ID" in reply
    assert len(reply) <= 160


def test_a_red_with_unknown_codes_says_it_was_raised_and_fits_one_sms(people, mother, at):
    reply = at(0, people["volunteer"].phone, f"RED {mother} he xx yy")[phone(people["volunteer"])]
    assert reply.startswith(f"Alert {Alert.objects.get().pk} raised.") and "Unknown codes: xx yy" in reply
    assert len(reply) <= 160


def test_a_red_with_every_danger_sign_and_many_midwives_fits_one_sms(people, mother, at):
    for n in range(6):
        StaffFactory(facility=people["centre"], role=Staff.Role.MIDWIFE, name=f"Nyirahabimana Claudine {n}")
    every_sign = " ".join(code.code for group in codes.DANGER_SIGN_GROUPS for code in codes.codes_in(group))
    reply = at(0, people["volunteer"].phone, f"RED {mother} {every_sign} zz")[phone(people["volunteer"])]
    assert reply.startswith("Alert") and len(reply) <= 160


def test_an_unknown_phones_red_about_a_registered_mother_names_her_village_and_an_unknown_phone(
    people, mother, at
):
    sent = at(0, "+250788777666", f"RED {mother} he")
    alert_sms = sent[phone(people["midwife"])]
    village = Alert.objects.get().pregnancy.village.name
    assert f", {village}." in alert_sms and "CHW unknown phone +250788777666" in alert_sms


# --- a ladder that never ends on nobody ----------------------------------------------------------


def test_an_alert_whose_every_level_is_empty_reaches_the_national_contacts_at_once(people, mother, at):
    nobody_on_duty()
    sent = at(0, people["volunteer"].phone, f"RED {mother} he")
    assert {"+250788999111", "+250788999112"} <= set(sent)
    reply = sent[phone(people["volunteer"])]
    assert "nobody on duty at Muhoza HC" in reply and "Call the ambulance now" in reply


def test_levels_found_empty_later_end_on_the_national_contacts_and_the_volunteer_is_told(people, mother, at):
    at(0, people["volunteer"].phone, f"RED {mother} he")
    Staff.objects.exclude(pk=people["midwife"].pk).update(on_duty=False)
    sent = run_due(10)
    assert {"+250788999111", "+250788999112"} <= set(sent)
    assert "Call the ambulance now" in sent[phone(people["volunteer"])]
    assert run_due(60) == {}


def test_an_unknown_phones_alert_climbs_the_national_levels_at_their_times(people, at):
    sent = at(0, "+250788777666", "RED 1199870099999999 he")
    assert {"+250788999111", "+250788999112"} <= set(sent)
    assert "+250788999221" not in sent
    assert set(run_due(10)) == {"+250788999221"}
    assert set(run_due(30)) == {"+250788999331"}
    assert run_due(60) == {}


def test_an_acknowledged_unknown_phones_alert_stops_climbing_the_national_levels(people, at, settings):
    at(0, "+250788777666", "RED 1199870099999999 he")
    StaffFactory(
        phone="+250788999111",
        facility=None,
        district=people["centre"].district,
        role=Staff.Role.DISTRICT_OFFICIAL,
    )
    at(2, "+250788999111", f"OK {Alert.objects.get().pk}")
    assert run_due(10) == {} and run_due(30) == {}


# --- RAR from the phone that raised the alert ----------------------------------------------------


def test_a_pending_volunteer_may_close_the_alert_her_phone_raised(people, mother, at):
    pending = ReporterFactory(facility=people["centre"], language="en", status=Reporter.Status.PENDING)
    at(0, pending.phone, f"RED {mother} he")
    reply = at(60, pending.phone, f"RAR {mother} mw cw")[phone(pending)]
    assert reply.startswith(f"Alert {Alert.objects.get().pk} closed")


def test_a_stranger_cannot_close_an_alert_another_phone_raised(people, mother, at):
    at(0, people["volunteer"].phone, f"RED {mother} he")
    at(60, "+250788777666", f"RAR {mother} mw")
    assert Alert.objects.get().status != Alert.Status.CLOSED
