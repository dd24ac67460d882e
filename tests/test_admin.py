"""What staff see in the admin: a mother's history, a pregnancy's schedule, open alerts."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import User

from maternal.admin import DistrictFilter
from maternal.models import Alert, Location, Mother, Pregnancy
from tests.factories import ReporterFactory, StaffFactory, location_tree


@pytest.fixture
def admin_client(client, db):
    # No password: hashing one costs a quarter of a second per test.
    client.force_login(User.objects.create(username="admin", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def followed(reply, today):
    volunteer = ReporterFactory(language="en")
    StaffFactory(facility=volunteer.facility)
    reply(str(volunteer.phone), "PRE 1199870012345678 06.08.2026 2 1 nr np")
    reply(str(volunteer.phone), "ANC 1199870012345678 26.11.2026 2")
    return volunteer


def test_a_mothers_page_shows_her_history_with_the_messages(admin_client, followed):
    mother = Mother.objects.get()
    page = admin_client.get(f"/admin/maternal/mother/{mother.pk}/change/").content.decode()
    assert "pregnancy_registered" in page and "anc_visit" in page and "ANC 2 on 26.11.2026" in page


def test_a_pregnancys_page_shows_its_reminder_schedule(admin_client, followed):
    pregnancy = Pregnancy.objects.get()
    page = admin_client.get(f"/admin/maternal/pregnancy/{pregnancy.pk}/change/").content.decode()
    assert "Schedule (reminders)" in page and "Visit reported" in page and "Planned" in page


def test_the_alert_list_shows_open_alerts_only_by_default(admin_client, followed, sms):
    sms(str(followed.phone), "RED 1199870012345678 he")
    Alert.objects.update(status=Alert.Status.CLOSED)
    sms(str(followed.phone), "RED 1199870012345678 co")
    page = admin_client.get("/admin/maternal/alert/").content.decode()
    assert "1 alert" in page


def test_correcting_the_lmp_in_the_admin_replans_the_reminders(admin_client, followed):
    pregnancy = Pregnancy.objects.get()
    form = admin_client.get(f"/admin/maternal/pregnancy/{pregnancy.pk}/change/").context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update({"last_menstrual_period": "2026-08-13", "previous_risks": "[]", "symptoms": "[]"})
    for prefix in ("visits", "reminders"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = admin_client.post(f"/admin/maternal/pregnancy/{pregnancy.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    pregnancy.refresh_from_db()
    assert pregnancy.expected_delivery_date.isoformat() == "2027-05-20"
    assert pregnancy.reminders.get(kind="anc", sequence=3).due_date.isoformat() == "2027-02-11"


REGISTERED = sorted((model._meta.app_label, model._meta.model_name) for model in admin.site._registry)


@pytest.mark.parametrize(("app", "model"), REGISTERED, ids=[f"{a}.{m}" for a, m in REGISTERED])
def test_every_admin_list_opens_searched_and_with_a_record(admin_client, followed, app, model):
    """Each list page, a search on it, and the first record's page answer (the same queries run
    on PostgreSQL with server-side parameters, where some query shapes fail)."""
    changelist = f"/admin/{app}/{model}/"
    assert admin_client.get(changelist).status_code == 200
    assert admin_client.get(changelist, {"q": "1199"}).status_code == 200
    model_admin = next(
        a for m, a in admin.site._registry.items() if (m._meta.app_label, m._meta.model_name) == (app, model)
    )
    if model_admin.date_hierarchy:
        assert (
            admin_client.get(changelist, {f"{model_admin.date_hierarchy}__year": "2026"}).status_code == 200
        )
    first = model_admin.model.objects.order_by("pk").first()
    if first is not None:
        assert admin_client.get(f"{changelist}{first.pk}/change/").status_code == 200


@pytest.fixture
def a_countrys_villages(db) -> None:
    """More villages than a query may have columns (SQLite 2,000; PostgreSQL 1,664): Rwanda has
    about 14,800."""
    Location.objects.bulk_create(
        Location(code=f"V{number:05d}", name=f"Village {number}", level=Location.Level.VILLAGE)
        for number in range(2_100)
    )


@pytest.mark.parametrize(("app", "model"), REGISTERED, ids=[f"{a}.{m}" for a, m in REGISTERED])
def test_every_admin_list_shows_its_filter_counts_in_a_country(admin_client, a_countrys_villages, app, model):
    """``_facets`` counts the records behind each choice of each filter: a filter offering every
    place would count thousands of choices in one query."""
    assert admin_client.get(f"/admin/{app}/{model}/", {"_facets": "True"}).status_code == 200


def test_the_district_filter_of_a_list_offers_the_districts_only(admin_client, followed, a_countrys_villages):
    location_tree("2")  # a second district, or there is nothing to choose
    page = admin_client.get("/admin/maternal/alert/")
    (district_filter,) = [
        spec for spec in page.context["cl"].filter_specs if isinstance(spec, DistrictFilter)
    ]
    offered = Location.objects.filter(pk__in=[pk for pk, _name in district_filter.lookup_choices])
    assert set(offered.values_list("level", flat=True)) == {Location.Level.DISTRICT}
