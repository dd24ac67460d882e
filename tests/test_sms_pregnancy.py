"""PRE: registering a pregnancy by SMS, short and national long form, and every field error."""

import inspect
import re
from datetime import date

import pytest

from maternal.models import Mother, Pregnancy, Visit
from maternal.sms.keywords import pregnancy as pregnancy_handler
from messaging.models import InboundMessage
from tests.clock import run_due
from tests.factories import PregnancyFactory, ReporterFactory

LMP = "06.08.2026"  # with the clock on 26.11.2026: 16 weeks, EDD 13.05.2027


@pytest.fixture
def volunteer(db, today):
    return ReporterFactory(language="en")


def send(reply, volunteer, text):
    return reply(str(volunteer.phone), text)


def test_pre_short_form_registers_and_replies_edd_and_weeks(reply, volunteer):
    answer = send(reply, volunteer, f"PRE 1199870012345678 {LMP} 2 1 nr np")
    pregnancy = Pregnancy.objects.get()
    assert pregnancy.expected_delivery_date.isoformat() == "2027-05-13"
    assert "EDD 13.05.2027" in answer and "16 weeks" in answer
    assert "Next visit: ANC 2 on 24.12.2026" in answer
    assert not pregnancy.high_risk


def test_pre_with_a_previous_risk_flags_high_risk(reply, volunteer):
    answer = send(reply, volunteer, f"PRE 1199870012345678 {LMP} 3 2 gs np")
    assert Pregnancy.objects.get().high_risk
    assert "High risk" in answer


def test_pre_new_gives_the_mother_a_short_system_id(reply, volunteer):
    answer = send(reply, volunteer, f"PRE NEW {LMP} 1 0 nr")
    mother = Mother.objects.get()
    assert mother.identifier.startswith("T")
    assert mother.identifier in answer


def test_pre_national_long_form_is_accepted(reply, volunteer):
    text = f"PRE 1199870012345678 {LMP} 17.12.2026 3 2 gs hd vo hc wt55.5 ht150 to hw muac23.5 0788123456"
    answer = send(reply, volunteer, text)
    pregnancy = Pregnancy.objects.get()
    assert pregnancy.previous_risks == ["gs", "hd"]
    assert pregnancy.symptoms == ["vo"]
    assert str(pregnancy.weight_kg) == "55.5" and pregnancy.has_toilet is True
    assert "EDD 13.05.2027" in answer


def test_an_lmp_42_weeks_ago_is_registered_high_risk_and_the_volunteer_told_to_refer_now(reply, volunteer):
    answer = send(reply, volunteer, "PRE 1199870012345678 05.02.2026 2 1 nr np")
    assert Pregnancy.objects.get().high_risk
    assert "42 weeks" in answer
    assert "Post-term, high risk: refer her to the health centre now, or check the LMP." in answer


def test_an_lmp_a_day_short_of_42_weeks_is_not_post_term(reply, volunteer):
    answer = send(reply, volunteer, "PRE 1199870012345678 06.02.2026 2 1 nr np")
    assert not Pregnancy.objects.get().high_risk
    assert "Post-term" not in answer


def test_an_lmp_less_than_4_weeks_ago_is_queried_and_nothing_is_written(reply, volunteer):
    answer = send(reply, volunteer, "PRE 1199870012345678 26.11.2026 2 1 nr np")
    assert answer == (
        "LMP 26.11.2026 is less than 4 weeks ago: check the date and send PRE again. Nothing was recorded."
    )
    assert not Pregnancy.objects.exists() and not Mother.objects.exists()


def test_an_lmp_exactly_4_weeks_ago_is_registered(reply, volunteer):
    send(reply, volunteer, "PRE 1199870012345678 29.10.2026 2 1 nr np")
    assert Pregnancy.objects.count() == 1


LONG_FORM = f"PRE 1199870012345678 {LMP} 17.12.2026 3 2 nr np hc wt55.5 ht150 to hw"


def test_the_long_form_pre_is_filed_at_anc_1_and_announces_anc_2_on_the_appointment(reply, volunteer):
    answer = send(reply, volunteer, LONG_FORM)
    pregnancy = Pregnancy.objects.get()
    assert pregnancy.next_visit_date.isoformat() == "2026-12-17"
    assert answer.endswith("16 weeks. Filed as ANC 1. Next visit: ANC 2 on 17.12.2026.")
    anc = list(pregnancy.reminders.filter(kind="anc").values_list("sequence", "due_date"))
    assert anc[0] == (2, date(2026, 12, 17))
    assert [number for number, _ in anc] == [2, 3, 4, 5, 6, 7, 8]  # the schedule's dates after it
    assert all(due > date(2026, 12, 17) for _, due in anc[1:])


def test_after_an_early_appointment_the_next_contact_is_the_schedules_second(reply, volunteer):
    # LMP 15.10.2026: 6 weeks on 26.11; the appointment at 10 weeks; ANC 1's 12-week slot was the PRE.
    send(reply, volunteer, "PRE 1199870012345678 15.10.2026 24.12.2026 2 1 nr np hc wt55 ht150 to hw")
    anc = list(Pregnancy.objects.get().reminders.filter(kind="anc").values_list("sequence", "due_date"))
    assert anc[:2] == [(2, date(2026, 12, 24)), (3, date(2027, 3, 4))]  # 20 weeks


def test_the_long_form_appointment_is_reminded_on_its_day(reply, volunteer):
    send(reply, volunteer, LONG_FORM)
    mother = Pregnancy.objects.get().mother.identifier
    assert run_due(date(2026, 12, 16)) == []
    assert run_due(date(2026, 12, 17)) == [f"-> {volunteer.phone}: Reminders 17.12: {mother} ANC 2 on 17.12"]


def test_an_anc_1_after_a_long_form_pre_is_already_received(reply, volunteer):
    send(reply, volunteer, LONG_FORM)
    answer = send(reply, volunteer, "ANC 1199870012345678 26.11.2026 1")
    assert answer == "Already received: ANC 1 of 1199870012345678 was her registration (PRE) on 26.11.2026."
    assert not Visit.objects.exists()


def test_the_short_form_pre_announces_the_next_contact_of_the_schedule(reply, volunteer):
    answer = send(reply, volunteer, "PRE 1199870012345678 01.10.2026 2 1 nr np")  # 8 weeks
    assert answer.endswith("8 weeks. Next visit: ANC 1 on 24.12.2026.")


def test_the_pre_examples_of_the_command_reference_are_the_replies_sent(reply, volunteer):
    """The sample conversation in maternal/sms/keywords/pregnancy.py, which docs/sms-commands.md shows."""
    conversation = inspect.getdoc(pregnancy_handler).split("\n\n", 1)[1].splitlines()
    for message, expected in zip(conversation[::2], conversation[1::2], strict=True):
        answer = send(reply, volunteer, message.removeprefix("> "))
        system_id = re.search(r"T\d+", answer)
        assert answer == expected.removeprefix("< ").replace("T4821", system_id[0] if system_id else "T4821")


def test_pre_tolerates_spaces_plus_signs_case_and_a_trailing_full_stop(reply, volunteer):
    answer = send(reply, volunteer, "  pre+1199870012345678   06/08/26  2 1 NR NP.")
    assert Pregnancy.objects.count() == 1
    assert "EDD 13.05.2027" in answer


def test_second_active_pregnancy_is_refused_naming_the_existing_one(reply, volunteer):
    send(reply, volunteer, f"PRE 1199870012345678 {LMP} 2 1 nr np")
    answer = send(reply, volunteer, "PRE 1199870012345678 01.09.2026 2 1 nr np")
    assert Pregnancy.objects.count() == 1
    assert "already has an active pregnancy" in answer and "13.05.2027" in answer


def test_registration_after_a_closed_pregnancy_opens_a_new_one(reply, volunteer):
    old = PregnancyFactory(reporter=volunteer, status=Pregnancy.Status.DELIVERED)
    send(reply, volunteer, f"PRE {old.mother.identifier} {LMP} 3 2 nr np")
    assert old.mother.pregnancies.count() == 2
    assert old.mother.pregnancies.filter(status=Pregnancy.Status.ACTIVE).count() == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"PRE 11998700123 {LMP} 2 1 nr", "16 digits"),
        ("PRE 1199870012345678 31.02.2026 2 1 nr", "does not exist"),
        ("PRE 1199870012345678 01.12.2026 2 1 nr", "future"),
        ("PRE 1199870012345678 01.01.2026 2 1 nr", "44 weeks"),
        (f"PRE 1199870012345678 {LMP} 1 2 nr", "parity"),
        (f"PRE 1199870012345678 {LMP} 2 1 zz", "zz"),
        (f"PRE 1199870012345678 {LMP} 2 1 nr gs", "nr"),
    ],
    ids=[
        "id-length",
        "impossible-date",
        "lmp-future",
        "lmp-too-old",
        "gravidity-below-parity",
        "unknown-code",
        "nr-not-alone",
    ],
)
def test_each_field_error_is_named_and_nothing_is_written(reply, volunteer, text, expected):
    answer = send(reply, volunteer, text)
    assert expected in answer
    assert len(answer) <= 160
    assert not Pregnancy.objects.exists() and not Mother.objects.exists()


def test_all_errors_of_one_message_come_in_one_reply(reply, volunteer):
    answer = send(reply, volunteer, "PRE 123 31.02.2026 1 2 zz")
    assert "16 digits" in answer and "does not exist" in answer and "zz" in answer


def test_gateway_retry_is_recorded_once_and_answered_again_the_same(reply, volunteer):
    text = f"PRE 1199870012345678 {LMP} 2 1 nr np"
    first = send(reply, volunteer, text)
    second = send(reply, volunteer, text)
    assert first == second
    assert Pregnancy.objects.count() == 1
    assert InboundMessage.objects.filter(duplicate_of__isnull=False).count() == 1
