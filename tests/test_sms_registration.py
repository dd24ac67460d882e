"""REG, YES and what unregistered or pending phones are told."""

import pytest

from maternal.models import Pregnancy, Reporter
from tests.factories import FacilityFactory, ReporterFactory, StaffFactory

UNKNOWN_PHONE = "+250788555001"


@pytest.fixture
def facility(db):
    return FacilityFactory(code="4101", name="Muhoza Health Centre")


def test_reg_from_a_new_phone_creates_a_pending_volunteer(reply, facility):
    village = facility.location
    answer = reply(UNKNOWN_PHONE, f"REG 1198580012345678 4101 {village.code} EN")
    reporter = Reporter.objects.get(phone=UNKNOWN_PHONE)
    assert reporter.status == Reporter.Status.PENDING
    assert reporter.language == "en"
    assert f"Registration {reporter.pk}" in answer and "Muhoza Health Centre" in answer


def test_reg_with_unknown_facility_and_village_names_both(reply, facility):
    answer = reply(UNKNOWN_PHONE, "REG 1198580012345678 999 123 EN")
    assert "999" in answer and "123" in answer
    assert not Reporter.objects.exists()


def test_reg_with_a_short_national_id_is_refused(reply, facility, settings):
    settings.LANGUAGE_CODE = "en"  # a refused REG is answered in the default language
    answer = reply(UNKNOWN_PHONE, f"REG 11985800 4101 {facility.location.code} EN")
    assert "ID" in answer
    assert not Reporter.objects.exists()


def test_staff_yes_activates_the_volunteer_of_their_facility(reply, facility):
    reporter = ReporterFactory(facility=facility, status=Reporter.Status.PENDING)
    midwife = StaffFactory(facility=facility)
    answer = reply(str(midwife.phone), f"YES {reporter.pk}")
    reporter.refresh_from_db()
    assert reporter.status == Reporter.Status.ACTIVE
    assert reporter.approved_by == midwife
    assert str(reporter.phone) in answer


def test_yes_from_staff_of_another_facility_is_refused(reply, facility):
    reporter = ReporterFactory(facility=facility, status=Reporter.Status.PENDING)
    outsider = StaffFactory(facility=FacilityFactory(code="4999"))
    answer = reply(str(outsider.phone), f"YES {reporter.pk}")
    reporter.refresh_from_db()
    assert reporter.status == Reporter.Status.PENDING
    assert "another facility" in answer


def test_yes_from_a_volunteer_phone_is_refused(reply, facility):
    pending = ReporterFactory(facility=facility, status=Reporter.Status.PENDING)
    volunteer = ReporterFactory(facility=facility)
    answer = reply(str(volunteer.phone), f"YES {pending.pk}")
    pending.refresh_from_db()
    assert pending.status == Reporter.Status.PENDING
    assert "staff" in answer


def test_unknown_phone_sending_a_report_is_told_how_to_register(reply, facility):
    answer = reply(UNKNOWN_PHONE, "PRE 1199870012345678 06.08.2026 2 1 nr np")
    assert "REG" in answer
    assert not Pregnancy.objects.exists()


def test_pending_volunteer_report_is_not_recorded(reply, facility):
    reporter = ReporterFactory(facility=facility, status=Reporter.Status.PENDING)
    answer = reply(str(reporter.phone), "PRE 1199870012345678 06.08.2026 2 1 nr np")
    assert "waiting for approval" in answer
    assert not Pregnancy.objects.exists()
