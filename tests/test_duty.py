"""Duty rosters that match reality: staff go on and off duty by SMS (ON / OFF), which changes who
a red alert reaches first; every change is in the duty history, by SMS, admin or import; WHO tells
staff their duty state; the admin's cover page shows who is on duty where."""

from datetime import datetime
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command

from maternal.models import DutyChange, Staff
from tests.conftest import KIGALI
from tests.factories import FacilityFactory, PregnancyFactory, ReporterFactory, StaffFactory, location_tree

MORNING = datetime(2026, 11, 26, 7, 58, tzinfo=KIGALI)


@pytest.fixture
def centre(db):
    places = location_tree("4")
    hospital = FacilityFactory(
        code="4000", name="Ruhengeri hospital", kind="hospital", location=places["village"]
    )
    return FacilityFactory(code="4101", name="Muhoza HC", location=places["village"], parent=hospital)


@pytest.fixture
def midwife(centre):
    return StaffFactory(facility=centre, name="Mukamana Alice", role=Staff.Role.MIDWIFE, on_duty=False)


@pytest.fixture
def nurse(centre):
    return StaffFactory(facility=centre, name="Habimana Eric", role=Staff.Role.NURSE)


def phone(person) -> str:
    return str(person.phone)


def send_at(reply, moment: datetime, person, text: str) -> str:
    with time_machine.travel(moment, tick=False):
        return reply(phone(person), text)


def test_on_and_off_by_sms_change_who_a_red_alert_reaches_first(centre, midwife, nurse, reply, sms):
    reply(phone(midwife), "ON")
    reply(phone(nurse), "OFF")
    volunteer = ReporterFactory(facility=centre)
    pregnancy = PregnancyFactory(reporter=volunteer)
    sent = dict(sms(phone(volunteer), f"RED {pregnancy.mother.identifier} he"))
    assert "RED ALERT" in sent[phone(midwife)]
    assert phone(nurse) not in sent


def test_on_answers_with_the_new_state_and_who_else_is_on_duty(centre, midwife, nurse, reply):
    assert reply(phone(midwife), "ON") == "You are on duty at Muhoza HC. Also on duty: Habimana Eric."


def test_off_leaving_no_midwife_or_nurse_says_so(centre, nurse, reply):
    StaffFactory(facility=centre, name="Uwimana Jean", role=Staff.Role.IN_CHARGE)
    assert reply(phone(nurse), "OFF") == (
        "You are off duty at Muhoza HC. On duty there: Uwimana Jean. No midwife or nurse is on duty there."
    )


def test_off_leaving_nobody_on_duty_says_so(centre, nurse, reply):
    assert reply(phone(nurse), "OFF") == "You are off duty at Muhoza HC. Nobody is on duty there now."


def test_too_many_colleagues_to_name_in_one_sms_are_counted(centre, midwife, reply):
    for number in range(8):
        StaffFactory(facility=centre, name=f"Nyiransabimana Claudine {number}", role=Staff.Role.NURSE)
    answer = reply(phone(midwife), "ON")
    assert answer == "You are on duty at Muhoza HC. Also on duty: 8 people."


def test_each_change_by_sms_is_in_the_duty_history(centre, midwife, reply):
    send_at(reply, MORNING, midwife, "ON")
    send_at(reply, MORNING.replace(hour=17), midwife, "off")
    history = [
        (change.on_duty, change.changed_at, change.source, change.facility, change.message.text)
        for change in DutyChange.objects.order_by("changed_at")
    ]
    assert history == [
        (True, MORNING, "sms", centre, "ON"),
        (False, MORNING.replace(hour=17), "sms", centre, "off"),
    ]
    midwife.refresh_from_db()
    assert (midwife.on_duty, midwife.on_duty_since) == (False, MORNING.replace(hour=17))


def test_on_when_already_on_duty_records_nothing_new(centre, midwife, reply):
    send_at(reply, MORNING, midwife, "ON")
    send_at(reply, MORNING.replace(hour=9), midwife, "ON")
    midwife.refresh_from_db()
    assert DutyChange.objects.count() == 1 and midwife.on_duty_since == MORNING


def test_french_and_kinyarwanda_words_for_on_and_off_are_understood(centre, midwife, reply):
    Staff.objects.filter(pk=midwife.pk).update(language="fr")
    assert reply(phone(midwife), "Présent").startswith("Vous etes de service à Muhoza HC.")  # GSM: ê -> e
    assert reply(phone(midwife), "NDATASHYE").startswith("Vous n'etes plus de service")
    assert [change.on_duty for change in DutyChange.objects.order_by("pk")] == [True, False]


def test_who_tells_staff_their_role_facility_and_duty_state(centre, midwife, reply):
    send_at(reply, MORNING, midwife, "ON")
    assert reply(phone(midwife), "WHO") == (
        "You are Mukamana Alice, midwife at Muhoza HC, on duty since 26.11.2026 07:58. Language: EN."
    )


def test_who_says_off_duty_without_a_time_for_staff_from_before_the_history(centre, midwife, reply):
    assert (
        reply(phone(midwife), "WHO")
        == "You are Mukamana Alice, midwife at Muhoza HC, off duty. Language: EN."
    )


def test_a_volunteer_sending_on_is_told_it_is_for_staff(centre, reply):
    volunteer = ReporterFactory(facility=centre)
    answer = reply(phone(volunteer), "ON")
    assert answer.startswith("ON and OFF are for health staff") and "volunteers need not" in answer
    assert not DutyChange.objects.exists()


def test_an_unknown_phone_sending_on_is_told_it_is_not_registered_as_staff(db, reply, settings):
    settings.LANGUAGE_CODE = "en"
    answer = reply("+250788777666", "ON")
    assert "not registered as staff" in answer
    assert not DutyChange.objects.exists()


def test_on_with_extra_words_is_refused_and_changes_nothing(centre, midwife, reply):
    assert reply(phone(midwife), "ON now").startswith("ON not recorded.")
    midwife.refresh_from_db()
    assert not midwife.on_duty and not DutyChange.objects.exists()


# --- the admin and the import -------------------------------------------------------------------


@pytest.fixture
def admin_user(db):
    return User.objects.create(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_putting_staff_on_duty_in_the_admin_list_is_in_the_history_with_the_user(
    admin_client, admin_user, midwife
):
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(midwife.pk),
        "form-0-on_duty": "on",
        "_save": "Save",
    }
    response = admin_client.post("/admin/maternal/staff/", data)
    assert response.status_code == 302
    change = DutyChange.objects.get()
    assert (change.staff, change.on_duty, change.source, change.changed_by) == (
        midwife,
        True,
        "admin",
        admin_user,
    )


def test_saving_a_staff_page_without_changing_duty_records_no_change(admin_client, midwife, reply):
    reply(phone(midwife), "ON")
    form = admin_client.get(f"/admin/maternal/staff/{midwife.pk}/change/").context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update({"name": "Mukamana Alice B.", "on_duty": "on"})
    data.update({"duty_changes-TOTAL_FORMS": "0", "duty_changes-INITIAL_FORMS": "0"})
    response = admin_client.post(f"/admin/maternal/staff/{midwife.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert DutyChange.objects.count() == 1 and Staff.objects.get(pk=midwife.pk).name == "Mukamana Alice B."


def test_an_import_that_takes_staff_off_duty_is_in_the_history(tmp_path, centre, nurse):
    path = tmp_path / "staff.csv"
    path.write_text(
        "phone,name,role,facility_code,district,on_duty,language\n"
        f"{phone(nurse)},Habimana Eric,nurse,{centre.code},,no,en\n"
        f"+250788555444,Uwera Grace,midwife,{centre.code},,yes,rw\n"
    )
    call_command("import_staff", str(path), stdout=StringIO())
    changes = {(change.staff.name, change.on_duty, change.source) for change in DutyChange.objects.all()}
    assert changes == {("Habimana Eric", False, "import"), ("Uwera Grace", True, "import")}
    call_command("import_staff", str(path), stdout=StringIO())
    assert DutyChange.objects.count() == 2


def test_the_cover_page_shows_who_is_on_duty_since_when(admin_client, centre, midwife, nurse, reply):
    send_at(reply, MORNING, midwife, "ON")
    page = admin_client.get("/admin/maternal/facilitycover/").content.decode()
    assert "Mukamana Alice (umubyaza, since 26.11.2026 07:58)" in page  # the admin speaks rw by default
    assert "Habimana Eric (umuforomo, since before the history)" in page


def test_the_cover_page_filters_by_district_and_by_cover(admin_client, centre, nurse):
    elsewhere = FacilityFactory(code="5101", name="Elsewhere HC", location=location_tree("5")["village"])
    district = centre.district
    page = admin_client.get("/admin/maternal/facilitycover/", {"district__id__exact": district.pk})
    assert {facility.code for facility in page.context["cl"].result_list} == {"4000", "4101"}
    uncovered = admin_client.get("/admin/maternal/facilitycover/", {"cover": "no", "_facets": "True"})
    assert {facility.code for facility in uncovered.context["cl"].result_list} == {"4000", elsewhere.code}


def test_a_facilitys_cover_page_shows_its_duty_history(admin_client, centre, midwife, reply):
    reply(phone(midwife), "ON")
    reply(phone(midwife), "OFF")
    page = admin_client.get(f"/admin/maternal/facilitycover/{centre.pk}/change/").content.decode()
    assert "Duty history (last 30 days" in page and page.count("Mukamana Alice") >= 3
