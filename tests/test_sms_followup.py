"""ANC, RISK, RED, OK, RAR, BIR, PNC, DTH, LOS and DEP through the router: each success path, the
state rules, and refusals with a reason."""

from datetime import date

import pytest

from maternal.models import (
    Alert,
    AuditEntry,
    Baby,
    Birth,
    Death,
    EscalationStep,
    Pregnancy,
    Reminder,
    Staff,
    Visit,
)
from messaging.models import OutgoingMessage
from tests.clock import run_due
from tests.factories import FacilityFactory, ReporterFactory, StaffFactory, location_tree

MOTHER = "1199870012345678"
LMP = "06.08.2026"  # clock pinned to 26.11.2026: 16 weeks


@pytest.fixture
def centre(db):
    places = location_tree("4")
    hospital = FacilityFactory(
        code="4000", name="Ruhengeri Hospital", kind="hospital", location=places["village"]
    )
    return FacilityFactory(code="4101", name="Muhoza HC", location=places["village"], parent=hospital)


@pytest.fixture
def midwives(centre):
    return [
        StaffFactory(facility=centre, name="Mukamana Alice", role=Staff.Role.MIDWIFE),
        StaffFactory(facility=centre, name="Uwera Grace", role=Staff.Role.NURSE),
    ]


@pytest.fixture
def volunteer(centre, today):
    return ReporterFactory(facility=centre, language="en", name="Uwase Marie")


@pytest.fixture
def registered(reply, volunteer):
    reply(str(volunteer.phone), f"PRE {MOTHER} {LMP} 2 1 nr np")
    return Pregnancy.objects.get(mother__identifier=MOTHER)


@pytest.fixture
def near_term(reply, volunteer):
    """A mother registered at 39 weeks (LMP 22.02.2026, EDD 29.11.2026)."""
    reply(str(volunteer.phone), f"PRE {MOTHER} 22.02.2026 2 1 nr np")
    return Pregnancy.objects.get(mother__identifier=MOTHER)


def chw(reply, volunteer, text):
    return reply(str(volunteer.phone), text)


# --- ANC -----------------------------------------------------------------------------------------


def test_anc_is_recorded_clears_its_reminder_and_gives_the_next_contact(reply, volunteer, registered):
    answer = chw(reply, volunteer, f"ANC {MOTHER} 26.11.2026 2")
    assert Visit.objects.get(pregnancy=registered).contact_number == 2
    assert registered.reminders.get(kind="anc", sequence=2).status == Reminder.Status.CLEARED
    assert "ANC 2" in answer and "Next contact: ANC 3 on 04.02.2027" in answer


def test_anc_national_long_form_is_accepted(reply, volunteer, registered):
    chw(reply, volunteer, f"ANC {MOTHER} 25.11.2026 anc2 vo hc wt56 muac24")
    visit = Visit.objects.get()
    assert (visit.contact_number, visit.place, visit.symptoms) == (2, "hc", ["vo"])


def test_anc_dated_before_the_lmp_is_refused(reply, volunteer, registered):
    answer = chw(reply, volunteer, f"ANC {MOTHER} 01.08.2026 2")
    assert "before the LMP" in answer
    assert not Visit.objects.exists()


def test_anc_contact_number_going_backwards_is_recorded_but_questioned(reply, volunteer, registered):
    chw(reply, volunteer, f"ANC {MOTHER} 20.11.2026 3")
    answer = chw(reply, volunteer, f"ANC {MOTHER} 26.11.2026 2")
    assert Visit.objects.count() == 2
    assert "Check the contact number" in answer


def test_the_same_anc_report_sent_again_later_is_already_received(reply, volunteer, registered):
    chw(reply, volunteer, f"ANC {MOTHER} 26.11.2026 2")
    answer = chw(reply, volunteer, f"anc {MOTHER} 26/11/2026 2")
    assert "Already received" in answer
    assert Visit.objects.count() == 1


def test_an_earlier_anc_report_sent_again_after_a_later_one_is_already_received(reply, volunteer, registered):
    chw(reply, volunteer, f"ANC {MOTHER} 20.11.2026 2")
    chw(reply, volunteer, f"ANC {MOTHER} 26.11.2026 3")
    answer = chw(reply, volunteer, f"anc {MOTHER} 20/11/2026 2")  # typed again: not a gateway retry
    assert answer == f"Already received: ANC 2 of {MOTHER} on 20.11.2026."
    assert Visit.objects.filter(contact_number=2).count() == 1


def test_a_second_anc_contact_on_the_same_day_is_refused(reply, volunteer, registered):
    chw(reply, volunteer, f"ANC {MOTHER} 26.11.2026 2")
    answer = chw(reply, volunteer, f"ANC {MOTHER} 26.11.2026 3")
    assert (
        answer
        == f"ANC 2 of {MOTHER} was already recorded on 26.11.2026: one contact a day. Nothing was recorded."
    )
    assert Visit.objects.count() == 1


def test_a_danger_sign_in_an_anc_report_is_refused_with_how_to_send_red(reply, volunteer, registered):
    answer = chw(reply, volunteer, f"ANC {MOTHER} 26.11.2026 2 he")
    assert "he is an emergency: send RED" in answer and "unknown" not in answer
    assert not Visit.objects.exists()


def test_a_danger_sign_in_a_pnc_report_is_refused_with_how_to_send_red(reply, volunteer, near_term):
    chw(reply, volunteer, f"BIR {MOTHER} 25.11.2026 hc gi")
    answer = chw(reply, volunteer, f"PNC {MOTHER} 1 26.11.2026 sbp")
    assert "sbp is an emergency: send RED" in answer
    assert not Visit.objects.exists()


def test_a_report_from_a_staff_phone_says_what_staff_can_send(reply, midwives):
    answer = reply(str(midwives[0].phone), f"PRE {MOTHER} {LMP} 2 1 nr np")
    assert answer == (
        "Reports about mothers come from their volunteer. From a staff phone send: OK <alert>, "
        "YES <registration>, RED, WHO, LANG, HELP."
    )
    assert not Pregnancy.objects.exists()


def test_report_on_an_unknown_mother_is_refused(reply, volunteer):
    answer = chw(reply, volunteer, f"ANC {MOTHER} 26.11.2026 2")
    assert "Register her first with PRE" in answer


def test_report_on_a_mother_of_another_facility_is_refused(reply, volunteer, registered):
    outsider = ReporterFactory(facility=FacilityFactory(code="4999"))
    answer = chw(reply, outsider, f"ANC {MOTHER} 26.11.2026 2")
    assert "another health facility" in answer
    assert not Visit.objects.exists()


def test_report_on_a_closed_pregnancy_is_refused(reply, volunteer, registered):
    chw(reply, volunteer, f"LOS {MOTHER}")
    answer = chw(reply, volunteer, f"ANC {MOTHER} 26.11.2026 2")
    assert "closed" in answer
    assert not Visit.objects.exists()


# --- RISK ----------------------------------------------------------------------------------------


def test_risk_flags_the_pregnancy_high_risk(reply, volunteer, registered):
    answer = chw(reply, volunteer, f"RISK {MOTHER} oe fe")
    registered.refresh_from_db()
    assert registered.high_risk
    assert registered.risk_reports.get().symptoms == ["oe", "fe"]
    assert "high-risk" in answer


def test_a_danger_sign_in_risk_is_refused_with_how_to_send_red(reply, volunteer, registered):
    answer = chw(reply, volunteer, f"RISK {MOTHER} he")
    assert "RED" in answer
    assert not registered.risk_reports.exists()


# --- RED, OK, RAR --------------------------------------------------------------------------------


def test_red_alerts_the_on_duty_midwives_at_once_and_tells_the_volunteer(
    sms, volunteer, registered, midwives
):
    off_duty = StaffFactory(facility=volunteer.facility, on_duty=False)
    sent = dict(sms(str(volunteer.phone), f"RED {MOTHER} he co ho"))
    alert = Alert.objects.get()
    for midwife in midwives:
        text = sent[str(midwife.phone)]
        assert f"RED ALERT {alert.pk}" in text and "haemorrhage" in text and f"OK {alert.pk}" in text
        assert "Uwase Marie" in text
    assert str(off_duty.phone) not in sent
    confirmation = sent[str(volunteer.phone)]
    assert "Mukamana Alice" in confirmation and "Ambulance: 912" in confirmation
    assert EscalationStep.objects.filter(alert=alert, status="done").count() == 1


def test_red_with_an_unknown_code_is_still_raised_and_lists_the_valid_codes(
    sms, volunteer, registered, midwives
):
    sent = dict(sms(str(volunteer.phone), f"RED {MOTHER} he xx"))
    assert Alert.objects.get().danger_signs == ["he"]
    assert "Unknown codes: xx" in sent[str(volunteer.phone)]


def test_red_with_a_mistyped_id_is_still_raised(sms, volunteer, midwives):
    sent = dict(sms(str(volunteer.phone), "RED 11998700 he co"))
    alert = Alert.objects.get()
    assert alert.mother_identifier == "11998700"
    assert str(midwives[0].phone) in sent


def test_red_from_an_unknown_phone_reaches_the_fallback_contacts(sms, db, today, settings):
    settings.FALLBACK_EMERGENCY_CONTACTS = [["+250788999111"]]
    settings.LANGUAGE_CODE = "en"
    sent = dict(sms("+250788777666", f"RED {MOTHER} la"))
    assert "RED ALERT" in sent["+250788999111"]
    assert "ambulance" in sent["+250788777666"].lower()


def test_ok_from_staff_stops_the_ladder_and_tells_the_volunteer(sms, volunteer, registered, midwives):
    sms(str(volunteer.phone), f"RED {MOTHER} he")
    alert = Alert.objects.get()
    sent = dict(sms(str(midwives[1].phone), f"OK {alert.pk}"))
    alert.refresh_from_db()
    assert alert.status == Alert.Status.ACKNOWLEDGED and alert.acknowledged_by == midwives[1]
    assert "Uwera Grace" in sent[str(volunteer.phone)]
    assert f"Alert {alert.pk} is yours" in sent[str(midwives[1].phone)]
    assert not alert.escalation_steps.filter(status="pending").exists()


def test_ok_alone_acknowledges_the_only_open_alert(reply, sms, volunteer, registered, midwives):
    sms(str(volunteer.phone), f"RED {MOTHER} he")
    answer = reply(str(midwives[0].phone), "OK")
    assert "is yours" in answer
    assert Alert.objects.get().status == Alert.Status.ACKNOWLEDGED


def test_ok_for_an_unknown_alert_says_so(reply, midwives):
    assert "no alert number 999" in reply(str(midwives[0].phone), "OK 999")


def test_ok_from_a_volunteer_is_refused(reply, volunteer):
    assert "Only health staff" in reply(str(volunteer.phone), "OK 1")


def test_rar_closes_the_alert_with_its_outcome(reply, sms, volunteer, registered, midwives):
    sms(str(volunteer.phone), f"RED {MOTHER} he")
    answer = chw(reply, volunteer, f"RAR {MOTHER} mw cw pr at")
    alert = Alert.objects.get()
    assert alert.status == Alert.Status.CLOSED
    assert (alert.outcome_statuses, alert.intervention, alert.ambulance) == (["mw", "cw"], "pr", "at")
    assert "closed" in answer


def test_ok_for_a_closed_alert_says_so(reply, sms, volunteer, registered, midwives):
    sms(str(volunteer.phone), f"RED {MOTHER} he")
    chw(reply, volunteer, f"RAR {MOTHER} mw")
    assert "already closed" in reply(str(midwives[0].phone), f"OK {Alert.objects.get().pk}")


def test_rar_without_an_open_alert_is_refused(reply, volunteer, registered):
    assert "No open alert" in chw(reply, volunteer, f"RAR {MOTHER} mw")


# --- BIR, PNC, DTH, LOS, DEP ---------------------------------------------------------------------


def test_birth_closes_the_pregnancy_and_plans_postnatal_visits(reply, volunteer, near_term):
    answer = chw(reply, volunteer, f"BIR {MOTHER} 25.11.2026 hc gi 3.2 bf1")
    near_term.refresh_from_db()
    assert near_term.status == Pregnancy.Status.DELIVERED
    baby = Baby.objects.get()
    assert (baby.sex, str(baby.weight_kg)) == ("gi", "3.2")
    assert not near_term.reminders.filter(kind="anc", status="planned").exists()
    assert near_term.reminders.filter(kind="pnc", status="planned").count() == 4
    assert "Postnatal visits: 26.11, 28.11, 02.12, 06.01" in answer


def test_twins_in_one_short_form_message(reply, volunteer, near_term):
    chw(reply, volunteer, f"BIR {MOTHER} 25.11.2026 hc gi 2.4 bo 2.6")
    assert sorted(Baby.objects.values_list("child_number", "sex")) == [(1, "gi"), (2, "bo")]


def test_twins_in_two_long_form_messages_share_one_birth(reply, volunteer, near_term):
    chw(reply, volunteer, f"BIR {MOTHER} 01 25.11.2026 gi np hc bf1 wt2.4")
    chw(reply, volunteer, f"BIR {MOTHER} 02 25.11.2026 bo np hc bf1 wt2.6")
    assert Birth.objects.count() == 1 and Baby.objects.count() == 2


def test_birth_before_the_lmp_is_refused(reply, volunteer, registered):
    assert "before the LMP" in chw(reply, volunteer, f"BIR {MOTHER} 01.08.2026 hc gi")
    assert not Birth.objects.exists()


@pytest.mark.parametrize("day", ["25.11.2026", "06.08.2026"], ids=["16-weeks", "0-weeks"])
def test_a_birth_before_22_weeks_is_refused_as_a_pregnancy_loss(reply, volunteer, registered, day):
    answer = chw(reply, volunteer, f"BIR {MOTHER} {day} hc gi")
    assert "(before 22) is a pregnancy loss: send LOS" in answer and f"DTH {MOTHER} mcc" in answer
    assert not Birth.objects.exists()
    registered.refresh_from_db()
    assert registered.is_active


def test_a_stillbirth_before_22_weeks_is_refused_as_a_miscarriage(reply, volunteer, registered):
    answer = chw(reply, volunteer, f"DTH {MOTHER} sbd 25.11.2026")
    assert f"is a miscarriage: send DTH {MOTHER} mcc" in answer
    assert not Death.objects.exists() and not Birth.objects.exists()


def test_a_child_death_days_after_the_birth_is_refused_as_a_newborn_death(reply, volunteer, near_term):
    chw(reply, volunteer, f"BIR {MOTHER} 20.11.2026 hc gi")
    answer = chw(reply, volunteer, f"DTH {MOTHER} cd 25.11.2026")
    assert f"was 5 days old: a death in the first 28 days is a newborn death, send DTH {MOTHER} nd" in answer
    assert not Death.objects.exists()


def test_a_newborn_death_after_28_days_is_refused_as_a_child_death(reply, volunteer, near_term):
    chw(reply, volunteer, f"BIR {MOTHER} 28.10.2026 hc gi")
    answer = chw(reply, volunteer, f"DTH {MOTHER} nd 26.11.2026")
    assert f"was 29 days old: a death after 28 days is a child death, send DTH {MOTHER} cd" in answer
    assert not Death.objects.exists()


def test_a_death_on_the_28th_day_is_a_newborn_death(reply, volunteer, near_term):
    chw(reply, volunteer, f"BIR {MOTHER} 29.10.2026 hc gi")
    chw(reply, volunteer, f"DTH {MOTHER} nd 26.11.2026")
    assert Death.objects.get().kind == "nd"


def test_the_long_form_newborn_death_is_dated_the_day_it_is_reported(reply, volunteer, near_term):
    chw(reply, volunteer, f"BIR {MOTHER} 24.11.2026 hc gi")
    chw(reply, volunteer, f"DTH {MOTHER} 01 24.11.2026 ho nd")
    assert Death.objects.get().date.isoformat() == "2026-11-26"


def test_pnc_is_recorded_after_a_birth(reply, volunteer, near_term):
    chw(reply, volunteer, f"BIR {MOTHER} 25.11.2026 hc gi")
    answer = chw(reply, volunteer, f"PNC {MOTHER} 1 26.11.2026")
    assert Visit.objects.get(kind="pnc").contact_number == 1
    assert "PNC 1" in answer


def test_pnc_before_any_birth_is_refused(reply, volunteer, registered):
    chw(reply, volunteer, f"PNC {MOTHER} 1 26.11.2026")
    assert not Visit.objects.exists()


def test_newborn_death_is_recorded_against_the_baby(reply, volunteer, near_term):
    chw(reply, volunteer, f"BIR {MOTHER} 20.11.2026 hc gi")
    chw(reply, volunteer, f"DTH {MOTHER} nd 25.11.2026")
    death = Death.objects.get()
    assert death.kind == "nd" and death.baby.died_on.isoformat() == "2026-11-25"


def test_a_newborn_death_keeps_the_mothers_postnatal_visits(reply, volunteer, near_term):
    chw(reply, volunteer, f"BIR {MOTHER} 25.11.2026 hc gi")
    answer = chw(reply, volunteer, f"DTH {MOTHER} nd 26.11.2026")
    planned = near_term.reminders.filter(kind="pnc", status="planned")
    assert list(planned.values_list("sequence", flat=True)) == [1, 2, 3, 4]
    assert answer == (
        f"Newborn death of child 1 of {MOTHER} recorded (26.11.2026). We are sorry. "
        "The mother's postnatal visits go on: 26.11, 28.11, 02.12, 06.01."
    )


def test_a_stillbirth_after_the_birth_report_keeps_the_mothers_postnatal_visits(reply, volunteer, near_term):
    chw(reply, volunteer, f"BIR {MOTHER} 25.11.2026 hc gi")
    chw(reply, volunteer, f"DTH {MOTHER} sbd 25.11.2026")
    assert Baby.objects.get().stillborn
    assert near_term.reminders.filter(kind="pnc", status="planned").count() == 4


def test_stillbirth_is_recorded_as_a_birth_with_a_stillborn_baby(reply, volunteer, near_term):
    chw(reply, volunteer, f"DTH {MOTHER} sbd 25.11.2026")
    near_term.refresh_from_db()
    assert near_term.status == Pregnancy.Status.DELIVERED
    assert Baby.objects.get().stillborn


def test_a_stillbirth_reported_before_any_birth_starts_the_mothers_postnatal_visits(
    reply, volunteer, near_term
):
    answer = chw(reply, volunteer, f"DTH {MOTHER} sbd 25.11.2026")
    assert not near_term.reminders.filter(kind="anc", status="planned").exists()
    assert near_term.reminders.filter(kind="pnc", status="planned").count() == 4
    assert answer.endswith("The mother's postnatal visits go on: 26.11, 28.11, 02.12, 06.01.")


def test_a_maternal_death_after_the_birth_cancels_her_postnatal_visits(reply, volunteer, near_term):
    chw(reply, volunteer, f"BIR {MOTHER} 25.11.2026 hc gi")
    answer = chw(reply, volunteer, f"DTH {MOTHER} md 26.11.2026")
    near_term.refresh_from_db()
    assert near_term.status == Pregnancy.Status.MATERNAL_DEATH
    assert near_term.closed_on.isoformat() == "2026-11-25"  # the pregnancy ended with the birth
    assert not near_term.reminders.filter(status="planned").exists()
    assert answer == (
        f"Maternal death of {MOTHER} recorded (26.11.2026). We are sorry. "
        "All her follow-up is closed and her reminders are cancelled."
    )


def test_a_second_death_report_about_a_baby_already_dead_is_refused(reply, volunteer, near_term):
    chw(reply, volunteer, f"BIR {MOTHER} 25.11.2026 hc gi")
    chw(reply, volunteer, f"DTH {MOTHER} nd 26.11.2026")
    answer = chw(reply, volunteer, f"DTH {MOTHER} sbd 25.11.2026")
    assert "already recorded as dead" in answer
    assert Death.objects.count() == 1


def test_maternal_death_closes_the_pregnancy_and_cancels_reminders(reply, volunteer, registered):
    chw(reply, volunteer, f"DTH {MOTHER} md")
    registered.refresh_from_db()
    assert registered.status == Pregnancy.Status.MATERNAL_DEATH
    assert not registered.reminders.filter(status="planned").exists()


def test_loss_closes_the_pregnancy(reply, volunteer, registered):
    answer = chw(reply, volunteer, f"LOS {MOTHER} 24.11.2026")
    registered.refresh_from_db()
    assert registered.status == Pregnancy.Status.LOST
    assert Death.objects.get().kind == "mcc"
    assert answer == (
        f"Pregnancy loss of {MOTHER} recorded (24.11.2026). Her pregnancy is closed and its reminders are cancelled."
    )


def test_departure_closes_the_pregnancy_and_cancels_reminders(reply, volunteer, registered):
    chw(reply, volunteer, f"DEP {MOTHER}")
    registered.refresh_from_db()
    assert registered.status == Pregnancy.Status.MOVED
    assert not registered.reminders.filter(status="planned").exists()


@pytest.fixture
def elsewhere(db):
    """Another health centre, serving another cell, with a volunteer in its village."""
    other = location_tree("5")
    other_centre = FacilityFactory(code="5101", name="Gihanga HC", location=other["village"])
    other_centre.served_cells.add(other["cell"])
    volunteer = ReporterFactory(
        facility=other_centre, village=other["village"], language="en", name="Mukeshimana Jeanne"
    )
    return other["village"], volunteer


def test_departure_to_another_village_transfers_the_mother(reply, volunteer, registered, elsewhere):
    village, new_volunteer = elsewhere
    answer = chw(reply, volunteer, f"DEP {MOTHER} {village.code}")
    registered.refresh_from_db()
    assert registered.is_active and registered.facility == new_volunteer.facility
    assert registered.reporter == new_volunteer and registered.mother.village == village
    assert answer == (
        f"{MOTHER} transferred to {village.name} village (Gihanga HC). "
        f"Her reminders now go to Mukeshimana Jeanne {new_volunteer.phone}."
    )


def test_a_transfer_sends_her_reminders_to_the_new_villages_volunteer(
    reply, volunteer, registered, elsewhere
):
    village, new_volunteer = elsewhere
    chw(reply, volunteer, f"DEP {MOTHER} {village.code}")
    assert run_due(date(2026, 12, 24)) == [
        f"-> {new_volunteer.phone}: Reminders 24.12: {MOTHER} ANC 2 on 24.12"
    ]


def test_the_new_volunteer_is_told_of_the_transfer(sms, volunteer, registered, elsewhere):
    village, new_volunteer = elsewhere
    sent = dict(sms(str(volunteer.phone), f"DEP {MOTHER} {village.code}"))
    assert sent[str(new_volunteer.phone)] == (
        f"Mother {MOTHER} has moved to {village.name}: her follow-up and reminders are now yours."
    )


def test_after_a_transfer_the_new_volunteer_reports_on_her_and_the_old_one_is_refused(
    reply, volunteer, registered, elsewhere
):
    village, new_volunteer = elsewhere
    chw(reply, volunteer, f"DEP {MOTHER} {village.code}")
    assert "another health facility" in chw(reply, volunteer, f"ANC {MOTHER} 26.11.2026 2")
    assert "ANC 2 of" in chw(reply, new_volunteer, f"ANC {MOTHER} 26.11.2026 2")


def test_after_a_transfer_a_red_from_the_old_volunteer_alerts_the_new_health_centre(
    sms, volunteer, registered, elsewhere
):
    village, new_volunteer = elsewhere
    new_midwife = StaffFactory(facility=new_volunteer.facility, role=Staff.Role.MIDWIFE)
    old_midwife = StaffFactory(facility=volunteer.facility, role=Staff.Role.MIDWIFE)
    sms(str(volunteer.phone), f"DEP {MOTHER} {village.code}")
    sent = dict(sms(str(volunteer.phone), f"RED {MOTHER} he"))
    assert "RED ALERT" in sent[str(new_midwife.phone)] and str(old_midwife.phone) not in sent


def test_a_transfer_to_a_village_nobody_follows_is_refused(reply, volunteer, registered):
    nowhere = location_tree("6")["village"]
    answer = chw(reply, volunteer, f"DEP {MOTHER} {nowhere.code}")
    assert answer == (
        f"No volunteer follows village {nowhere.name} yet; nothing was changed. "
        f"If she left the area, send DEP {MOTHER} alone."
    )
    registered.refresh_from_db()
    assert registered.reporter == volunteer


def test_a_transfer_after_the_birth_moves_her_postnatal_reminders(reply, volunteer, near_term, elsewhere):
    village, new_volunteer = elsewhere
    chw(reply, volunteer, f"BIR {MOTHER} 25.11.2026 hc gi")
    chw(reply, volunteer, f"PNC {MOTHER} 1 26.11.2026")
    chw(reply, volunteer, f"DEP {MOTHER} {village.code}")
    assert run_due(date(2026, 11, 28)) == [
        f"-> {new_volunteer.phone}: Reminders 28.11: {MOTHER} PNC 2 on 28.11"
    ]


def test_a_move_away_after_the_birth_stops_her_postnatal_reminders(reply, volunteer, near_term):
    chw(reply, volunteer, f"BIR {MOTHER} 25.11.2026 hc gi")
    answer = chw(reply, volunteer, f"DEP {MOTHER}")
    near_term.refresh_from_db()
    assert near_term.status == Pregnancy.Status.MOVED and near_term.closed_on.isoformat() == "2026-11-25"
    assert not near_term.reminders.filter(status="planned").exists()
    assert "moved away" in answer


def test_every_change_is_linked_to_the_message_that_caused_it(reply, volunteer, registered):
    chw(reply, volunteer, f"ANC {MOTHER} 26.11.2026 2")
    entries = AuditEntry.objects.filter(mother=registered.mother)
    assert [entry.action for entry in entries] == ["pregnancy_registered", "anc_visit"]
    assert entries.last().message.text == f"ANC {MOTHER} 26.11.2026 2"
    assert Visit.objects.get().source_message == entries.last().message


def test_no_reply_is_sent_twice_for_one_inbound_message(sms, volunteer, registered, midwives):
    sms(str(volunteer.phone), f"RED {MOTHER} he")
    replies = OutgoingMessage.objects.filter(phone=str(volunteer.phone), kind="reply")
    assert replies.count() == 2  # the PRE's and the RED's
