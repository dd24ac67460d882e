"""Reminder planning and the daily digest, with the clock pinned at every schedule boundary."""

from datetime import date, timedelta

import pytest

from maternal import care_plan
from maternal import services as maternal
from maternal.models import Reminder
from messaging.models import OutgoingMessage
from reminders import tasks
from reminders.models import Digest
from tests.clock import at, run_due
from tests.factories import PregnancyFactory, ReporterFactory

# Runs Celery tasks, whose sweeps take a Redis lock.
pytestmark = pytest.mark.usefixtures("redis_server")

# LMP 06.08.2026: ANC 2 (20 weeks) is due on 24.12.2026, ANC 3 (26 weeks) on 04.02.2027.
LMP = date(2026, 8, 6)
ANC2_DUE = date(2026, 12, 24)


@pytest.fixture
def pregnancy(db):
    with at(date(2026, 11, 26)):
        pregnancy = PregnancyFactory(last_menstrual_period=LMP, reporter=ReporterFactory(language="en"))
        care_plan.plan_pregnancy(pregnancy, today=date(2026, 11, 26))
    return pregnancy


def test_registration_plans_every_contact_still_ahead(pregnancy):
    planned = list(pregnancy.reminders.values_list("kind", "sequence"))
    # 16 weeks at registration: ANC 1 (12 weeks) is past; ANC 2-8, birth preparedness, post-EDD.
    anc = [("anc", n) for n in range(2, 8)]
    assert planned == [*anc, ("birth_prep", 1), ("anc", 8), ("post_edd", 1)]


def test_the_focused_antenatal_model_plans_four_visits_at_16_26_32_and_36_weeks(db, settings):
    settings.ANC_SCHEDULE = "focused4"
    early = PregnancyFactory(last_menstrual_period=date(2026, 11, 1))
    care_plan.plan_pregnancy(early, today=date(2026, 11, 26))
    weeks = [
        (due - early.last_menstrual_period).days // 7
        for due in early.reminders.filter(kind="anc").values_list("due_date", flat=True)
    ]
    assert weeks == [16, 26, 32, 36]


def test_late_registration_gets_no_reminder_for_contacts_already_past(db):
    late = PregnancyFactory(last_menstrual_period=date(2026, 4, 29))  # 30 weeks and a day on 26.11.2026
    care_plan.plan_pregnancy(late, today=date(2026, 11, 26))
    assert list(late.reminders.filter(kind="anc").values_list("sequence", flat=True)) == [5, 6, 7, 8]


def test_planning_twice_creates_nothing_more(pregnancy):
    care_plan.plan_pregnancy(pregnancy, today=date(2026, 11, 26))
    assert pregnancy.reminders.count() == 9


def test_nothing_is_sent_the_day_before_a_reminder_is_due(pregnancy):
    assert run_due(ANC2_DUE - timedelta(days=1)) == []


def test_the_reminder_is_sent_on_its_due_day_in_one_digest(pregnancy):
    lines = run_due(ANC2_DUE)
    assert lines == [
        f"-> {pregnancy.reporter.phone}: Reminders 24.12: {pregnancy.mother.identifier} ANC 2 on 24.12"
    ]
    assert pregnancy.reminders.get(kind="anc", sequence=2).status == Reminder.Status.SENT


@pytest.mark.parametrize(
    ("hour", "minute", "sent"), [(7, 59, False), (8, 0, True), (17, 59, True), (18, 0, False)]
)
def test_digests_go_out_only_inside_the_daily_window(pregnancy, hour, minute, sent):
    assert bool(run_due(ANC2_DUE, hour, minute)) is sent


def test_a_second_run_the_same_day_sends_nothing_more(pregnancy):
    run_due(ANC2_DUE, 9)
    assert run_due(ANC2_DUE, 15) == []
    assert Digest.objects.count() == 1


def test_all_mothers_due_for_a_volunteer_share_one_digest(pregnancy):
    second = PregnancyFactory(last_menstrual_period=LMP, reporter=pregnancy.reporter)
    care_plan.plan_pregnancy(second, today=date(2026, 11, 26))
    lines = run_due(ANC2_DUE)
    assert len(lines) == 1
    assert pregnancy.mother.identifier in lines[0] and second.mother.identifier in lines[0]


def test_a_long_digest_is_split_into_160_character_parts(pregnancy):
    for _ in range(11):
        other = PregnancyFactory(last_menstrual_period=LMP, reporter=pregnancy.reporter)
        care_plan.plan_pregnancy(other, today=date(2026, 11, 26))
    run_due(ANC2_DUE)
    parts = list(OutgoingMessage.objects.filter(kind="reminder").values_list("text", flat=True))
    assert len(parts) > 1 and all(len(part) <= 160 for part in parts)
    assert sum(part.count(" ANC 2 on 24.12") for part in parts) == 12


def test_the_digest_uses_the_language_of_the_volunteer_at_send_time(pregnancy, settings):
    maternal.set_language(phone=str(pregnancy.reporter.phone), language="fr")
    [line] = run_due(ANC2_DUE)
    assert "ANC 2 on" not in line


def test_a_pregnancy_closed_the_day_before_gets_no_reminder(pregnancy):
    with at(ANC2_DUE - timedelta(days=1)):
        care_plan.cancel_remaining(pregnancy)
    assert run_due(ANC2_DUE) == []


def test_a_reported_visit_is_not_reminded(pregnancy):
    care_plan.clear_visit(pregnancy, kind="anc", sequence=2)
    assert run_due(ANC2_DUE) == []


def test_a_visit_not_reported_14_days_after_due_becomes_missed_with_one_follow_up(pregnancy):
    run_due(ANC2_DUE)
    assert run_due(ANC2_DUE + timedelta(days=13)) == []
    [line] = run_due(ANC2_DUE + timedelta(days=14))
    assert "Missed visits" in line and pregnancy.mother.identifier in line
    assert pregnancy.reminders.get(kind="anc", sequence=2).status == Reminder.Status.MISSED
    assert run_due(ANC2_DUE + timedelta(days=15)) == []


def test_the_birth_preparedness_reminder_never_becomes_a_missed_visit(pregnancy):
    pregnancy.reminders.filter(kind="anc").update(status=Reminder.Status.CLEARED)  # every visit reported
    birth_prep = pregnancy.reminders.get(kind="birth_prep")
    run_due(birth_prep.due_date)
    assert all("Missed" not in line for line in run_due(birth_prep.due_date + timedelta(days=14)))
    assert pregnancy.reminders.get(kind="birth_prep").status == Reminder.Status.SENT


def test_a_birth_not_reported_after_the_edd_has_its_own_digest_line_and_is_never_a_missed_visit(pregnancy):
    pregnancy.reminders.filter(kind="anc").update(status=Reminder.Status.CLEARED)  # every visit reported
    post_edd = pregnancy.reminders.get(kind="post_edd").due_date  # EDD 13.05.2027 + 14 days
    assert run_due(post_edd) == [
        f"-> {pregnancy.reporter.phone}: Birth not reported, EDD passed (send BIR, LOS or DEP): "
        f"{pregnancy.mother.identifier} EDD 13.05"
    ]
    assert run_due(post_edd + timedelta(days=14)) == []
    assert pregnancy.reminders.get(kind="post_edd").status == Reminder.Status.SENT


def test_a_reminder_more_than_three_days_late_expires_instead_of_being_sent(pregnancy):
    assert run_due(ANC2_DUE + timedelta(days=4)) == []
    assert pregnancy.reminders.get(kind="anc", sequence=2).status == Reminder.Status.EXPIRED


def test_a_reminder_three_days_late_is_still_sent(pregnancy):
    assert len(run_due(ANC2_DUE + timedelta(days=3))) == 1


def test_correcting_the_lmp_replans_the_reminders_and_the_edd(pregnancy):
    with at(date(2026, 11, 26)):
        maternal.correct_last_menstrual_period(
            pregnancy=pregnancy, last_menstrual_period=LMP + timedelta(days=7), today=date(2026, 11, 26)
        )
    assert pregnancy.reminders.get(kind="anc", sequence=2).due_date == ANC2_DUE + timedelta(days=7)
    assert pregnancy.expected_delivery_date == date(2027, 5, 20)


def test_the_reminder_task_run_twice_sends_one_digest(pregnancy, django_capture_on_commit_callbacks):
    with at(ANC2_DUE), django_capture_on_commit_callbacks(execute=False):
        first = tasks.send_due_reminders()
        second = tasks.send_due_reminders()
    assert (first["digests"], second["digests"]) == (1, 0)
    assert OutgoingMessage.objects.filter(kind="reminder").count() == 1


@pytest.fixture
def risk_reported(pregnancy):
    from maternal.models import Staff
    from tests.factories import StaffFactory

    in_charge = StaffFactory(facility=pregnancy.facility, role=Staff.Role.IN_CHARGE, language="en")
    StaffFactory(facility=pregnancy.facility, role=Staff.Role.MIDWIFE)
    with at(date(2026, 11, 26)):
        maternal.report_risk(
            reporter=pregnancy.reporter, mother_identifier=pregnancy.mother.identifier, symptoms=["oe", "fe"]
        )
    return in_charge


def test_a_risk_reaches_the_health_centre_in_charge_in_the_next_digest(pregnancy, risk_reported):
    [line] = run_due(date(2026, 11, 26), 11)
    assert line.startswith(
        f"-> {risk_reported.phone}: High-risk pregnancies reported: {pregnancy.mother.identifier}"
    )
    assert "oedema" in line


def test_the_health_centre_gets_one_risk_digest_a_day(pregnancy, risk_reported):
    run_due(date(2026, 11, 26), 11)
    maternal.report_risk(
        reporter=pregnancy.reporter, mother_identifier=pregnancy.mother.identifier, symptoms=["ma"]
    )
    assert run_due(date(2026, 11, 26), 15) == []
    assert len(run_due(date(2026, 11, 27), 9)) == 1


# --- after the birth -------------------------------------------------------------------------------

BIRTH_DAY = date(2026, 11, 25)  # PNC 1 on 26.11, PNC 2 on 28.11, PNC 3 on 02.12, PNC 4 on 06.01


@pytest.fixture
def delivered(db):
    with at(date(2026, 11, 26)):
        pregnancy = PregnancyFactory(
            last_menstrual_period=date(2026, 2, 20), reporter=ReporterFactory(language="en")
        )
        care_plan.plan_pregnancy(pregnancy, today=date(2026, 11, 26))
        maternal.record_birth(
            reporter=pregnancy.reporter,
            mother_identifier=pregnancy.mother.identifier,
            birth_date=BIRTH_DAY,
            place="hc",
            babies=[maternal.NewBaby(1, "gi")],
            today=date(2026, 11, 26),
        )
    return pregnancy


def test_postnatal_reminders_are_sent_on_their_days_after_a_birth(delivered):
    identifier = delivered.mother.identifier
    for day, number in [(date(2026, 11, 26), 1), (date(2026, 11, 28), 2), (date(2026, 12, 2), 3)]:
        assert run_due(day) == [
            f"-> {delivered.reporter.phone}: Reminders {day:%d.%m}: {identifier} PNC {number} on {day:%d.%m}"
        ]
    first_line = run_due(date(2027, 1, 6))[0]  # then the contacts not reported, as missed
    assert first_line.startswith(
        f"-> {delivered.reporter.phone}: Reminders 06.01: {identifier} PNC 4 on 06.01"
    )


def test_a_postnatal_contact_not_reported_14_days_after_due_becomes_missed(delivered):
    run_due(date(2026, 11, 26))
    [line] = run_due(date(2026, 12, 10))
    assert "Missed visits" in line and "PNC 1" in line
    assert delivered.reminders.get(kind="pnc", sequence=1).status == Reminder.Status.MISSED
