"""The morning check of duty cover: a health centre without a midwife or nurse on duty, or a
district hospital without a maternity on-call on duty, is told to its in-charge (and to the district
official when no in-charge is on duty) once a day, however often the check runs."""

import io
from datetime import datetime

import pytest
import time_machine
from django.core.management import call_command

from maternal.models import Staff
from messaging.models import OutgoingMessage
from reminders import cover, tasks
from reminders.checks import cover_check_time_in_window
from reminders.models import CoverCheck
from tests.conftest import KIGALI
from tests.factories import FacilityFactory, StaffFactory, location_tree

MORNING = datetime(2026, 11, 26, 8, 5, tzinfo=KIGALI)


@pytest.fixture
def district(db):
    """A hospital with its maternity on-call on duty, two health centres: Muhoza with a nurse on
    duty, Gashaki with its midwife off duty; each centre has an in-charge on duty."""
    places = location_tree("8")
    hospital = FacilityFactory(
        code="8000", name="Ruhengeri hospital", kind="hospital", location=places["village"]
    )
    covered = FacilityFactory(code="8101", name="Muhoza HC", location=places["village"], parent=hospital)
    uncovered = FacilityFactory(code="8102", name="Gashaki HC", location=places["village"], parent=hospital)
    return {
        "hospital": hospital,
        "covered": covered,
        "uncovered": uncovered,
        "on_call": StaffFactory(facility=hospital, role=Staff.Role.MATERNITY_ON_CALL),
        "nurse": StaffFactory(facility=covered, role=Staff.Role.NURSE),
        "covered_in_charge": StaffFactory(facility=covered, role=Staff.Role.IN_CHARGE),
        "midwife": StaffFactory(facility=uncovered, role=Staff.Role.MIDWIFE, on_duty=False),
        "in_charge": StaffFactory(facility=uncovered, role=Staff.Role.IN_CHARGE),
        "official": StaffFactory(
            facility=None, district=places["district"], role=Staff.Role.DISTRICT_OFFICIAL
        ),
    }


def phone(person) -> str:
    return str(person.phone)


def notices() -> list[tuple[str, str]]:
    return list(OutgoingMessage.objects.filter(kind="notice").order_by("pk").values_list("phone", "text"))


def check(moment: datetime = MORNING) -> dict[str, int]:
    with time_machine.travel(moment, tick=False):
        return cover.check_cover()


def run_due(moment: datetime = MORNING) -> dict[str, str]:
    output = io.StringIO()
    with time_machine.travel(moment, tick=False):
        call_command("run_due", stdout=output, stderr=io.StringIO())
    return dict(line[3:].split(": ", 1) for line in output.getvalue().splitlines())


def test_a_health_centre_without_a_midwife_or_nurse_on_duty_tells_its_in_charge(district):
    check()
    assert notices() == [
        (
            phone(district["in_charge"]),
            "No midwife or nurse is on duty at Gashaki HC today (26.11.2026): red alerts go straight to the next level. "
            "Ask whoever is on duty to send ON.",
        )
    ]


def test_each_facility_is_checked_and_recorded_once_a_day(district):
    summary = check()
    rows = {(row.facility.code, row.covered, row.told) for row in CoverCheck.objects.all()}
    assert rows == {("8000", True, 0), ("8101", True, 0), ("8102", False, 1)}
    assert summary == {"checked": 3, "uncovered": 1, "told": 1}


@pytest.mark.usefixtures("redis_server")  # the task takes a Redis lock
def test_two_runs_of_the_task_send_one_notice(district):
    with time_machine.travel(MORNING, tick=False):
        first = tasks.check_duty_cover()
        second = tasks.check_duty_cover()
    assert (first["told"], second["told"]) == (1, 0)
    assert len(notices()) == 1


def test_a_retried_check_of_a_facility_already_checked_sends_nothing(district):
    assert cover.check_facility(district["uncovered"].pk, now=MORNING) is not None
    assert cover.check_facility(district["uncovered"].pk, now=MORNING) is None
    assert len(notices()) == 1


def test_run_due_runs_the_check_when_due_and_never_twice_a_day(district):
    sent = run_due()
    assert list(sent) == [phone(district["in_charge"])]
    assert run_due() == {}
    assert run_due(MORNING.replace(hour=15)) == {}


def test_the_next_morning_is_checked_again(district):
    check()
    check(MORNING.replace(day=27))
    assert [to for to, _text in notices()] == [phone(district["in_charge"])] * 2


def test_nothing_is_checked_before_the_check_time_or_after_the_window(district, settings):
    settings.COVER_CHECK_TIME = "09:00"
    assert check(MORNING)["checked"] == 0
    assert check(MORNING.replace(hour=18, minute=30))["checked"] == 0
    assert check(MORNING.replace(hour=9))["checked"] == 3


def test_a_facility_that_went_uncovered_after_its_check_is_not_told_that_day(district):
    check()
    Staff.objects.filter(pk=district["nurse"].pk).update(on_duty=False)
    check(MORNING.replace(hour=11))
    assert len(notices()) == 1


def test_an_in_charge_off_duty_is_told_and_so_is_the_district_official(district):
    Staff.objects.filter(pk=district["in_charge"].pk).update(on_duty=False)
    check()
    assert [to for to, _text in notices()] == [phone(district["in_charge"]), phone(district["official"])]


def test_a_health_centre_without_an_in_charge_tells_the_district_official(district):
    district["in_charge"].delete()
    check()
    assert [to for to, _text in notices()] == [phone(district["official"])]


def test_a_district_official_off_duty_is_still_told_when_no_other_is_on_duty(district):
    district["in_charge"].delete()
    Staff.objects.filter(pk=district["official"].pk).update(on_duty=False)
    check()
    assert [to for to, _text in notices()] == [phone(district["official"])]


def test_a_hospital_without_its_maternity_on_call_on_duty_tells_the_district_official(district):
    Staff.objects.filter(pk=district["on_call"].pk).update(on_duty=False)
    check()
    texts = dict(notices())
    assert texts[phone(district["official"])].startswith(
        "No maternity on-call is on duty at Ruhengeri hospital today (26.11.2026)"
    )


def test_each_notice_is_in_its_recipients_language(district):
    Staff.objects.filter(pk=district["in_charge"].pk).update(language="fr")
    check()
    [(_to, text)] = notices()
    assert text.startswith("26.11.2026: aucune sage-femme ni infirmier de service à Gashaki HC")


def test_a_facility_with_nobody_to_tell_is_still_recorded_without_cover(district):
    district["in_charge"].delete()
    district["official"].delete()
    check()
    assert not notices()
    assert CoverCheck.objects.get(facility=district["uncovered"]).covered is False


def test_a_check_time_outside_the_reminder_window_is_refused_at_start_up(settings):
    settings.COVER_CHECK_TIME = "19:00"
    assert [error.id for error in cover_check_time_in_window(None)] == ["reminders.E001"]
    settings.COVER_CHECK_TIME = "08:30"
    assert cover_check_time_in_window(None) == []


def test_an_empty_check_time_switches_the_check_off(district, settings):
    settings.COVER_CHECK_TIME = ""
    assert check()["checked"] == 0 and cover_check_time_in_window(None) == []
