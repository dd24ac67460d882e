"""Generating reports: the Celery tasks (each run twice), the ``district_report`` command, and the
CSV and DHIS2 exports read from the same snapshot."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from kombu.exceptions import OperationalError

from reports import services, tasks
from reports.exports import report_csv
from reports.models import MonthlyReport
from reports.months import Month
from tests.report_factories import district_with_sectors, january_data_set, kigali, uncovered_mornings

# Runs Celery tasks, whose sweeps take a Redis lock.
pytestmark = pytest.mark.usefixtures("redis_server")

JANUARY = Month(2026, 1)


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def gasabo(db, media):
    return january_data_set()


@pytest.fixture
def queued(gasabo) -> MonthlyReport:
    report, _needs_rendering = services.request_report(district=gasabo.district, month=JANUARY)
    return report


@pytest.fixture
def delayed(monkeypatch) -> list[int]:
    """Report ids handed to the broker (no broker or worker in unit tests)."""
    sent: list[int] = []
    monkeypatch.setattr(tasks.render_report, "delay", sent.append)
    return sent


def test_render_report_computes_and_stores_a_queued_report(queued):
    assert tasks.render_report(queued.pk) == "done"
    queued.refresh_from_db()
    assert queued.figures["births"]["month"]["value"] == 4
    assert Path(queued.current.pdf_path("en")).read_bytes().startswith(b"%PDF")


def test_render_report_run_twice_renders_once(queued):
    tasks.render_report(queued.pk)
    first = MonthlyReport.objects.get(pk=queued.pk).generated_at
    assert tasks.render_report(queued.pk) == "skipped"
    assert MonthlyReport.objects.get(pk=queued.pk).generated_at == first


def test_render_report_leaves_a_report_another_worker_is_rendering(queued):
    MonthlyReport.objects.filter(pk=queued.pk).update(status="running", started_at=kigali(2026, 2, 1, 2, 0))
    with time_machine.travel(kigali(2026, 2, 1, 2, 5), tick=False):
        assert tasks.render_report(queued.pk) == "skipped"


def test_render_report_takes_over_a_run_whose_worker_died(queued):
    MonthlyReport.objects.filter(pk=queued.pk).update(status="running", started_at=kigali(2026, 2, 1, 2, 0))
    with time_machine.travel(kigali(2026, 2, 1, 2, 0) + services.STALE_RUN_AFTER + timedelta(seconds=1)):
        assert tasks.render_report(queued.pk) == "done"


def test_a_report_whose_rendering_fails_is_marked_failed(queued, monkeypatch):
    def broken(**kwargs):
        raise ValueError("disk full")

    monkeypatch.setattr(services, "compute_snapshot", broken)
    assert tasks.render_report(queued.pk) == "failed"
    assert MonthlyReport.objects.get(pk=queued.pk).error == "ValueError('disk full')"


@pytest.fixture
def beat(django_capture_on_commit_callbacks):
    """Run ``render_monthly_reports`` as beat does, at 02:00 on 1 February 2026."""

    def run() -> dict[str, int]:
        with time_machine.travel(kigali(2026, 2, 1, 2, 0), tick=False):
            with django_capture_on_commit_callbacks(execute=True):
                return tasks.render_monthly_reports()

    return run


def test_render_monthly_reports_queues_every_district_for_the_previous_month(gasabo, delayed, beat):
    assert beat() == {"queued": 2}  # Gasabo and Nyarugenge
    reports = MonthlyReport.objects.filter(pk__in=delayed)
    assert sorted((r.district.name, str(r.period), r.status) for r in reports) == [
        ("Gasabo", "2026-01", "queued"),
        ("Nyarugenge", "2026-01", "queued"),
    ]


def test_render_monthly_reports_run_twice_renders_each_district_once(gasabo, delayed, beat):
    beat()
    for report_id in delayed:
        tasks.render_report(report_id)
    assert beat() == {"queued": 0}
    assert MonthlyReport.objects.filter(status="done").count() == 2


def test_render_monthly_reports_queues_again_a_report_whose_task_was_lost(gasabo, delayed, beat):
    beat()
    assert beat() == {"queued": 2}
    assert len(delayed) == 4  # each rendered once all the same: the task claims its row


def test_render_monthly_reports_retries_a_failed_report(gasabo, delayed, beat):
    failed = MonthlyReport.objects.create(district=gasabo.district, month=JANUARY.first_day, status="failed")
    beat()
    assert failed.pk in delayed


def test_enqueue_render_renders_here_when_the_broker_is_unreachable(queued, monkeypatch):
    def unreachable(report_id):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.render_report, "delay", unreachable)
    tasks.enqueue_render(queued.pk)
    assert MonthlyReport.objects.get(pk=queued.pk).status == "done"


def test_district_report_command_prints_the_path_it_wrote(gasabo, media, capsys):
    call_command("district_report", "--district", "gasabo", "--month", "2026-01")
    assert capsys.readouterr().out.strip() == str(media / "reports" / "102-2026-01-v1-en.pdf")


def test_district_report_command_takes_a_district_code_and_an_output_file(gasabo, tmp_path, capsys):
    output = tmp_path / "out" / "gasabo.pdf"
    output.parent.mkdir()
    call_command("district_report", "--district", "102", "--month", "2026-01", "--output", str(output))
    assert capsys.readouterr().out.strip() == str(output)
    assert output.read_bytes().startswith(b"%PDF")


def test_district_report_command_refuses_an_unknown_district(gasabo):
    with pytest.raises(CommandError, match="No district match 'Atlantis'"):
        call_command("district_report", "--district", "Atlantis", "--month", "2026-01")


def test_district_report_command_refuses_a_badly_written_month(gasabo):
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("district_report", "--district", "Gasabo", "--month", "01.2026")


@pytest.fixture
def report(gasabo) -> MonthlyReport:
    return services.generate_report(district=gasabo.district, month=JANUARY)


def test_the_csv_has_a_row_per_health_facility_in_rank_order_per_sector_and_the_district_total(report):
    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    assert [(row["level"], row["name"], row["births"], row["facility_births"]) for row in rows] == [
        ("health_facility", "Remera health centre", "1", "0"),
        ("health_facility", "Kacyiru health centre", "3", "100"),
        ("sector", "Kacyiru", "3", "100"),
        ("sector", "Remera", "1", "0"),
        ("district", "Gasabo", "4", "75"),
    ]


def test_the_csv_leaves_a_ratio_of_nothing_empty_and_keeps_its_counts(report):
    rows = {row["name"]: row for row in csv.DictReader(io.StringIO(report_csv(report)))}
    assert rows["Kacyiru"]["median_minutes_to_acknowledge"] == "6"  # Kacyiru (4 + 8) / 2
    assert rows["Remera"]["anc8_births"] == "100"
    assert [rows[name]["registered_before_12_weeks"] for name in ("Kacyiru", "Remera", "Gasabo")] == [
        "50",
        "0",
        "33.3",
    ]
    assert (rows["Gasabo"]["facility_births_numerator"], rows["Gasabo"]["facility_births_denominator"]) == (
        "3",
        "4",
    )
    assert rows["Kacyiru"]["median_minutes_to_acknowledge_denominator"] == "2"


def test_the_csv_writes_codes_without_a_leading_zero_a_spreadsheet_would_drop(report):
    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    assert [row["code"] for row in rows] == ["10202", "10201", "10201", "10202", "102"]


def test_a_sector_without_records_still_has_a_row_in_the_snapshot(db, media):
    place = district_with_sectors("103", "Kicukiro", ["Niboye", "Gatenga"])
    report = services.generate_report(district=place.district, month=JANUARY)
    assert [sector["name"] for sector in report.sectors] == ["Gatenga", "Niboye"]


def test_the_csv_counts_days_without_level1_cover_per_sector(db, media):
    gasabo = january_data_set()
    uncovered_mornings(gasabo)
    report = services.generate_report(district=gasabo.district, month=JANUARY)
    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    by_level = [row["days_without_level1_cover"] for row in rows if row["level"] in ("sector", "district")]
    assert by_level == ["2", "0", "2"]
