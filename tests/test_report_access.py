"""Who sees which district's reports on the web, requesting a month, and the download log.
Gasabo's official may see Gasabo only; national staff see both districts; everyone must log in."""

from __future__ import annotations

from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from kombu.exceptions import OperationalError

from reports import services, tasks
from reports.models import MonthlyReport, ReportDownload
from reports.months import Month
from tests.report_factories import district_with_sectors, kigali, web_user

JANUARY = Month(2026, 1)
DOWNLOADS = ["reports:pdf", "reports:csv", "reports:xlsx", "reports:dhis2"]
REPORT_PAGES = ["reports:detail", *DOWNLOADS]


@pytest.fixture(autouse=True)
def february(settings, tmp_path: Path):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(kigali(2026, 2, 3, 9, 0), tick=False):
        yield


@pytest.fixture
def gasabo(db):
    return district_with_sectors("102", "Gasabo", ["Kacyiru"]).district


@pytest.fixture
def nyarugenge(db):
    return district_with_sectors("101", "Nyarugenge", ["Nyamirambo"]).district


@pytest.fixture
def gasabo_report(gasabo) -> MonthlyReport:
    return services.generate_report(district=gasabo, month=JANUARY)


@pytest.fixture
def nyarugenge_report(nyarugenge) -> MonthlyReport:
    return services.generate_report(district=nyarugenge, month=JANUARY)


@pytest.fixture
def official(client, gasabo):
    """The browser of Gasabo's district official."""
    client.force_login(web_user("gasabo-official", district=gasabo))
    return client


@pytest.fixture
def national(client, db):
    client.force_login(web_user("national", national=True))
    return client


@pytest.fixture
def delayed(monkeypatch) -> list[int]:
    sent: list[int] = []
    monkeypatch.setattr(tasks.render_report, "delay", sent.append)
    return sent


@pytest.mark.parametrize("page", REPORT_PAGES)
def test_anonymous_users_are_sent_to_log_in_for_a_report(client, gasabo_report, page):
    response = client.get(reverse(page, args=[gasabo_report.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_anonymous_users_are_sent_to_log_in_for_the_list(client, db):
    assert client.get(reverse("reports:list"))["Location"].startswith(reverse("login"))


def test_a_user_without_a_profile_may_not_see_reports(client, gasabo_report):
    client.force_login(web_user("clerk"))
    assert client.get(reverse("reports:list")).status_code == 403
    assert client.get(reverse("reports:detail", args=[gasabo_report.pk])).status_code == 403


def test_an_official_lists_only_their_own_districts_reports(official, gasabo_report, nyarugenge_report):
    listed = official.get(reverse("reports:list")).context["page"].object_list
    assert list(listed) == [gasabo_report]


def test_an_official_cannot_list_another_district_by_filtering(official, gasabo_report, nyarugenge_report):
    listed = official.get(reverse("reports:list"), {"district": "101"}).context["page"].object_list
    assert list(listed) == []


@pytest.mark.parametrize("page", REPORT_PAGES)
def test_an_official_cannot_open_another_districts_report(official, nyarugenge_report, page):
    assert official.get(reverse(page, args=[nyarugenge_report.pk])).status_code == 404


@pytest.mark.parametrize("page", REPORT_PAGES)
def test_an_official_opens_their_own_districts_report(official, gasabo_report, page):
    assert official.get(reverse(page, args=[gasabo_report.pk])).status_code == 200


@pytest.mark.parametrize("page", REPORT_PAGES)
def test_national_staff_open_every_districts_report(national, gasabo_report, nyarugenge_report, page):
    assert national.get(reverse(page, args=[gasabo_report.pk])).status_code == 200
    assert national.get(reverse(page, args=[nyarugenge_report.pk])).status_code == 200


def test_national_staff_list_every_district(national, gasabo_report, nyarugenge_report):
    listed = national.get(reverse("reports:list")).context["page"].object_list
    assert {report.district.name for report in listed} == {"Gasabo", "Nyarugenge"}


def test_a_superuser_without_a_profile_sees_every_district(client, gasabo_report, nyarugenge_report):
    client.force_login(web_user("root", is_superuser=True, is_staff=True))
    assert client.get(reverse("reports:detail", args=[nyarugenge_report.pk])).status_code == 200


@pytest.mark.parametrize(
    ("page", "format"), list(zip(DOWNLOADS, ["pdf", "csv", "xlsx", "dhis2"], strict=True))
)
def test_each_download_is_logged_with_who_and_which_format(official, gasabo_report, page, format):
    official.get(reverse(page, args=[gasabo_report.pk]))
    assert list(ReportDownload.objects.values_list("username", "report", "format")) == [
        ("gasabo-official", gasabo_report.pk, format)
    ]


def test_a_refused_download_is_not_logged(official, nyarugenge_report):
    official.get(reverse("reports:pdf", args=[nyarugenge_report.pk]))
    assert not ReportDownload.objects.exists()


def test_the_pdf_download_is_the_stored_pdf(official, gasabo_report):
    response = official.get(reverse("reports:pdf", args=[gasabo_report.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="umubyeyi-102-2026-01-v1-en.pdf"'
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_the_dhis2_download_is_a_data_value_set(official, gasabo_report):
    response = official.get(reverse("reports:dhis2", args=[gasabo_report.pk]))
    assert response["Content-Type"] == "application/json"
    assert response.json()["dataValues"][0]["period"] == "202601"


def test_a_report_not_yet_rendered_has_nothing_to_download(official, gasabo):
    report, _needs_rendering = services.request_report(district=gasabo, month=JANUARY)
    assert official.get(reverse("reports:csv", args=[report.pk])).status_code == 404


def test_requesting_a_month_queues_its_report_once_the_request_commits(
    official, gasabo, delayed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = official.post(reverse("reports:request"), {"district": gasabo.pk, "month": "2026-01"})
    report = MonthlyReport.objects.get()
    assert (response.status_code, response["Location"]) == (302, reverse("reports:detail", args=[report.pk]))
    assert (report.status, delayed) == ("queued", [report.pk])


def test_a_queued_report_page_shows_its_status_and_refreshes_itself(official, gasabo):
    report, _needs_rendering = services.request_report(district=gasabo, month=JANUARY)
    page = official.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "Queued" in page and 'http-equiv="refresh"' in page
    assert reverse("reports:pdf", args=[report.pk]) not in page


def test_requesting_a_month_already_queued_does_not_queue_it_twice(
    official, gasabo, delayed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        official.post(reverse("reports:request"), {"district": gasabo.pk, "month": "2026-01"})
        official.post(reverse("reports:request"), {"district": gasabo.pk, "month": "2026-01"})
    assert len(delayed) == 1


def test_when_the_broker_is_unreachable_the_report_is_rendered_at_once(
    official, gasabo, monkeypatch, django_capture_on_commit_callbacks
):
    def unreachable(report_id):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.render_report, "delay", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        official.post(reverse("reports:request"), {"district": gasabo.pk, "month": "2026-01"})
    report = MonthlyReport.objects.get()
    page = official.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "Done" in page and reverse("reports:pdf", args=[report.pk]) in page


def test_an_official_cannot_request_another_districts_report(official, nyarugenge, delayed):
    response = official.post(reverse("reports:request"), {"district": nyarugenge.pk, "month": "2026-01"})
    assert response.status_code == 400
    assert not MonthlyReport.objects.exists()


def test_a_month_that_has_not_started_cannot_be_requested(official, gasabo, delayed):
    response = official.post(reverse("reports:request"), {"district": gasabo.pk, "month": "2026-03"})
    assert "That month has not started yet." in response.content.decode()


def test_the_login_page_fits_a_small_screen(client, db):
    page = client.get(reverse("login")).content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
