"""What an official reads: the report's web page (key figures, the ranked health-facility table,
events to review, volunteers who sent nothing, versions), the same figures in the PDF and the XLSX
workbook, the warning on a month still in progress, versions kept when computed again, and the
report in the official's language."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import date

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from maternal.models import Mother
from reports import services
from reports.indicators import INDICATORS, Figure
from reports.models import OfficialProfile
from reports.months import Month
from reports.presentation import figure_text
from tests.report_factories import BirthFactory, january_data_set, kigali, pregnancy, web_user

JANUARY = Month(2026, 1)


@pytest.fixture
def gasabo(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return january_data_set()


@pytest.fixture
def report(gasabo):
    with time_machine.travel(kigali(2026, 2, 1, 2, 0), tick=False):
        return services.generate_report(district=gasabo.district, month=JANUARY)


@pytest.fixture
def official(client, gasabo):
    client.force_login(web_user("gasabo-official", district=gasabo.district))
    return client


def page_of(client, report, **query) -> str:
    return client.get(reverse("reports:detail", args=[report.pk]), query).content.decode()


def cells(html: str, table_id: str) -> list[list[str]]:
    """The text of each cell of each body row of a table of the page."""
    body = re.search(rf'<table[^>]*id="{table_id}".*?<tbody>(.*?)</tbody>', html, re.S)[1]
    return [
        [
            re.sub(r"<[^>]+>", "", re.sub(r'<span class="help">.*?</span>', "", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def pdf_text(report, language: str = "en") -> str:
    path = services.version_pdf(version=report.current, language=language).pdf_path(language)
    return subprocess.run(
        ["pdftotext", "-layout", path, "-"], check=True, capture_output=True, text=True
    ).stdout


def test_the_page_shows_every_key_figure_with_its_target_and_flag(official, report):
    html = page_of(official, report)
    rows = {row[0]: row for row in cells(html, "key-figures")}
    assert rows["Facility births"][1:] == ["75.0% (3/4)", "100.0%", "at least 95.0%"]
    assert re.search(r'flag-off_target"[^>]*>75.0% \(3/4\)', html)
    assert len(rows) == len(INDICATORS)


def test_the_page_ranks_the_health_facilities_worst_first(official, report):
    rows = cells(page_of(official, report), "health-centres")
    assert [(row[0], row[1]) for row in rows] == [
        ("1", "Remera health centre"),
        ("2", "Kacyiru health centre"),
    ]


def test_the_page_lists_the_deaths_and_slow_alerts_to_review_without_a_mother_id(official, report):
    html = page_of(official, report)
    assert ["08.01.2026", "Maternal death", "Remera health centre", "Remera", "Not reported"] in cells(
        html, "deaths"
    )
    assert cells(html, "slow-alerts")[1][2:] == [
        "20.01.2026 09:00",
        "–",
        "never acknowledged, no outcome",
    ]
    assert not [i for i in Mother.objects.values_list("identifier", flat=True) if i in html]


def test_the_page_names_the_volunteers_who_sent_nothing_with_their_phones(official, report):
    rows = cells(page_of(official, report), "silent-volunteers")
    assert [row[2] for row in rows] == [volunteer["phone"] for volunteer in report.silent_volunteers]


def test_the_page_fits_a_phone_and_styles_only_with_the_nonce(official, report):
    response = official.get(reverse("reports:detail", args=[report.pk]))
    html = response.content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])[1]
    assert re.findall(r"<style[^>]*>", html) == [f'<style nonce="{nonce}">']
    assert " style=" not in html and "<script" not in html


def test_the_page_offers_pdf_excel_csv_and_dhis2_downloads(official, report):
    html = page_of(official, report)
    for name in ("pdf", "xlsx", "csv", "dhis2"):
        assert reverse(f"reports:{name}", args=[report.pk]) in html


def test_the_pdf_the_page_and_the_workbook_agree_on_every_figure(official, report):
    html = page_of(official, report)
    page = {row[0]: row[1] for row in cells(html, "key-figures")}
    text = " ".join(pdf_text(report).split())
    response = official.get(reverse("reports:xlsx", args=[report.pk]))
    book = load_workbook(io.BytesIO(b"".join([response.content])))
    sheet = {row[0]: row for row in book["Key indicators"].iter_rows(values_only=True) if row[0]}
    centres = {row[2]: row for row in book["Health facilities"].iter_rows(values_only=True) if row[2]}
    translation.activate("en")  # the official's language, as the page, the PDF and the workbook
    for indicator in INDICATORS:
        figure = Figure.from_json(report.figures[indicator.name]["month"])
        shown = figure_text(indicator, figure, counts=True)
        assert page[str(indicator.title)] == shown, indicator.name
        assert f"{indicator.title} {shown}" in text, indicator.name
        assert sheet[str(indicator.title)][1] == figure.value, indicator.name
        for centre in report.health_centres:
            value = Figure.from_json(centre["figures"][indicator.name]).value
            assert centres[centre["name"]][4 + INDICATORS.index(indicator)] == value, indicator.name
    page_centres = {row[1]: row[2:] for row in cells(html, "health-centres")}
    for centre in report.health_centres:
        expected = [i.format(Figure.from_json(centre["figures"][i.name])) for i in INDICATORS]
        assert page_centres[centre["name"]] == expected


def test_the_workbook_keeps_codes_as_text(official, report):
    book = load_workbook(io.BytesIO(official.get(reverse("reports:xlsx", args=[report.pk])).content))
    codes = [row[1] for row in book["Health facilities"].iter_rows(min_row=5, values_only=True)]
    assert codes == ["10202", "10201"]


def test_a_month_in_progress_is_marked_provisional_on_the_page_and_in_the_pdf(official, gasabo):
    with time_machine.travel(kigali(2026, 1, 20), tick=False):
        report = services.generate_report(district=gasabo.district, month=JANUARY)
    assert 'id="provisional"' in page_of(official, report)
    assert "PROVISIONAL: month in progress" in pdf_text(report)
    assert "Provisional: January 2026 was still in progress" in " ".join(pdf_text(report).split())


def test_a_complete_month_carries_no_provisional_warning(official, report):
    assert 'id="provisional"' not in page_of(official, report)
    assert "PROVISIONAL" not in pdf_text(report)


def test_computing_again_keeps_the_earlier_version_and_its_pdf(official, report, gasabo):
    first_pdf = report.current.pdf_path("en")
    BirthFactory(pregnancy=pregnancy(gasabo.sectors[0]), birth_date=date(2026, 1, 30))
    again = services.generate_report(district=gasabo.district, month=JANUARY)
    versions = list(again.versions.order_by("number"))
    assert [(v.number, v.snapshot["figures"]["births"]["month"]["value"]) for v in versions] == [
        (1, 4),
        (2, 5),
    ]
    assert open(first_pdf, "rb").read().startswith(b"%PDF")
    response = official.get(reverse("reports:version_pdf", args=[again.pk, 1]))
    assert response["Content-Disposition"].endswith('-v1-en.pdf"')


def test_the_report_reads_in_the_officials_language(client, gasabo, report):
    client.force_login(web_user("fr-official", district=gasabo.district))
    OfficialProfile.objects.filter(user__username="fr-official").update(language="fr")
    html = page_of(client, report)
    assert "Indicateurs clés" in html and "janvier 2026" in html
    assert "Indicateurs clés" in pdf_text(report, "fr")


def test_a_birth_whose_place_was_not_reported_counts_as_not_reported(gasabo):
    BirthFactory(pregnancy=pregnancy(gasabo.sectors[0]), birth_date=date(2026, 1, 30), place="")
    snapshot = services.compute_snapshot(district=gasabo.district, month=JANUARY)
    assert snapshot.births_by_place[""] == 1


def test_a_version_is_rendered_in_its_readers_languages_and_in_another_on_first_download(official, gasabo):
    OfficialProfile.objects.filter(user__username="gasabo-official").update(language="rw")
    report = services.generate_report(district=gasabo.district, month=JANUARY)
    assert set(report.current.pdfs) == {"rw"}
    response = official.get(reverse("reports:pdf", args=[report.pk]), {"lang": "fr"})
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert set(report.current.pdfs) == {"rw", "fr"}
