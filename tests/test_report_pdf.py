"""The monthly PDF, read back with ``pdftotext`` (poppler-utils): the figures of the hand-built
January 2026 data set appear where they belong, and no mother's identifier appears anywhere."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import time_machine

from maternal.models import Mother, Reporter
from reports.indicators import INDICATORS
from reports.months import Month
from reports.services import generate_report, version_pdf
from tests.report_factories import district_with_sectors, january_data_set, kigali, uncovered_mornings

JANUARY = Month(2026, 1)


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def report(db, media):
    gasabo = january_data_set()
    with time_machine.travel(kigali(2026, 2, 1, 2, 0), tick=False):
        return generate_report(district=gasabo.district, month=JANUARY)


def pdf_text(report_or_path, language: str = "en") -> str:
    if isinstance(report_or_path, str):
        path = report_or_path
    else:
        path = version_pdf(version=report_or_path.current, language=language).pdf_path(language)
    return subprocess.run(
        ["pdftotext", "-layout", path, "-"], check=True, capture_output=True, text=True
    ).stdout


def line_with(text: str, start: str) -> str:
    """The first line of ``text`` that starts (after spaces) with ``start``, its spaces squeezed."""
    return next(" ".join(line.split()) for line in text.splitlines() if line.strip().startswith(start))


def test_the_pdf_is_one_a4_document_stored_under_media_reports(report, media):
    path = report.current.pdf_path("en")
    info = subprocess.run(["pdfinfo", path], check=True, capture_output=True, text=True).stdout
    assert Path(path) == media / "reports" / "102-2026-01-v1-en.pdf"
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info)


def test_the_header_names_district_month_generation_time_and_completeness(report):
    text = pdf_text(report)
    assert line_with(text, "Gasabo district") == "Gasabo district January 2026"
    assert "Version 1, generated 01.02.2026 02:00 (Africa/Kigali)" in text
    # r1 and r2 of the four active volunteers reported.
    assert "Data completeness 50.0% (2 of 4 active volunteers reported)" in text


def test_every_page_says_page_x_of_y(report):
    pages = pdf_text(report).split("\f")[:-1]
    assert [re.search(r"Page \d+ of \d+", page)[0] for page in pages] == [
        f"Page {n} of {len(pages)}" for n in range(1, len(pages) + 1)
    ]


def test_key_indicators_stand_beside_the_previous_month_and_the_same_month_last_year(report):
    text = pdf_text(report)
    assert line_with(text, "Indicator") == "Indicator January 2026 December 2025 January 2025 Target"
    assert line_with(text, "New pregnancies") == "New pregnancies 3 1 0"
    assert line_with(text, "Facility births") == "Facility births 75.0% (3/4) 100.0% (1/1) – at least 95.0%"
    assert (
        line_with(text, "Median time to acknowledge")
        == "Median time to acknowledge 8.0 min – – at most 10.0 min"
    )
    assert line_with(text, "Stillbirths") == "Stillbirths 2 0 0 at most 0"


def test_the_sector_tables_show_each_sector_and_the_district_total(report):
    text = pdf_text(report)
    first_table = text[text.index("Indicators per sector") + 1 :]
    # New pregnancies, <12 weeks, births, facility births, ANC 4+, ANC 8+.
    assert line_with(first_table, "Kacyiru") == "Kacyiru 2 50.0% 3 100.0% 33.3% 0.0%"
    assert line_with(first_table, "Remera") == "Remera 1 0.0% 1 0.0% 100.0% 100.0%"
    assert line_with(first_table, "District") == "District 3 33.3% 4 75.0% 50.0% 25.0%"


def test_open_alerts_and_missed_visits_are_listed_by_health_facility(report):
    text = pdf_text(report)
    text = text[text.index("Needing action") :]
    assert line_with(text, "Kacyiru health centre") == "Kacyiru health centre 10201 1 1"
    assert line_with(text, "Remera health centre") == "Remera health centre 10202 1 0"


def test_the_charts_are_titled(report):
    text = pdf_text(report)
    for title in ("New pregnancies", "Facility births (%)", "Median time to acknowledge (min)"):
        assert title in text
    assert "Births by place, January 2026" in text


def test_the_annex_defines_every_indicator(report):
    annex = pdf_text(report).split("Annex: how each indicator is computed")[1]
    assert [indicator.name for indicator in INDICATORS if indicator.name not in annex] == []


def test_no_mother_identifier_appears_in_the_pdf(report):
    text = pdf_text(report)
    identifiers = list(Mother.objects.values_list("identifier", flat=True))
    assert len(identifiers) > 10
    assert [identifier for identifier in identifiers if identifier in text] == []


def test_only_the_volunteers_who_sent_nothing_are_named_in_the_pdf(report):
    text = pdf_text(report)
    volunteers = Reporter.objects.filter(village__district=report.district).values_list("name", "phone")
    named = sorted(name for name, phone in volunteers if name in text and str(phone) in text)
    assert named == sorted(volunteer["name"] for volunteer in report.silent_volunteers)
    assert len(named) == 2  # r3 (only HELP) and r5 (reported in February only)


def test_a_district_without_any_record_still_gets_a_report(db, media):
    empty = district_with_sectors("103", "Kicukiro", ["Niboye"])
    report = generate_report(district=empty.district, month=JANUARY)
    text = pdf_text(report)
    assert line_with(text, "New pregnancies") == "New pregnancies 0 0 0"
    assert "No births" in text


def test_days_without_level1_cover_are_listed_by_health_centre(db, media):
    gasabo = january_data_set()
    uncovered_mornings(gasabo)
    with time_machine.travel(kigali(2026, 2, 1, 2, 0), tick=False):
        report = generate_report(district=gasabo.district, month=JANUARY)
    text = pdf_text(report)
    cover_table = text.split("Days without level-1 cover by health centre", 1)[1]
    assert line_with(cover_table, "Kacyiru health centre") == "Kacyiru health centre 10201 2"
    assert "Remera health centre" not in cover_table.split("Annex", 1)[0]
