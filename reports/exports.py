"""The spreadsheet downloads, read from the snapshot like the PDF: a CSV of every place's figures (for
analysis) and an XLSX workbook of the whole report (for the monthly review meeting), written with
openpyxl. Codes are text in both: a spreadsheet must never turn ``10201`` into a number."""

from __future__ import annotations

import csv
from io import BytesIO, StringIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from reports import presentation
from reports.indicators import INDICATORS, Figure, Unit
from reports.models import MonthlyReport
from reports.presentation import FLAG_COLOURS, day_label, month_label

TEXT = "@"
BOLD = Font(bold=True)
FILLS = {flag: PatternFill("solid", fgColor=colour.lstrip("#")) for flag, colour in FLAG_COLOURS.items()}


def _places(report: MonthlyReport) -> list[tuple[str, str, str, dict]]:
    """(level, code, name, figures) of every health facility, every sector and the district."""
    district_figures = {name: figures.get("month") for name, figures in report.figures.items()}
    return (
        [("health_facility", c["code"], c["name"], c["figures"]) for c in report.health_centres]
        + [("sector", s["code"], s["name"], s["figures"]) for s in report.sectors]
        + [("district", report.district.code, report.district.name, district_figures)]
    )


def report_csv(report: MonthlyReport) -> str:
    """One row per health facility, per sector and one for the whole district; a column per indicator
    (by its name, as in the annex and ``docs/indicators.md``) and, for a ratio, its two counts
    (``_numerator``, ``_denominator``); an empty cell where a ratio has no denominator."""
    output = StringIO()
    writer = csv.writer(output)
    columns = []
    for indicator in INDICATORS:
        columns.append(indicator.name)
        if indicator.has_counts:
            columns += [f"{indicator.name}_numerator", f"{indicator.name}_denominator"]
    writer.writerow(["district_code", "district", "month", "version", "level", "code", "name", *columns])
    first = [report.district.code, report.district.name, str(report.period), report.version]
    for level, code, name, figures in _places(report):
        values = []
        for indicator in INDICATORS:
            figure = Figure.from_json(figures.get(indicator.name))
            values.append(_number(figure.value))
            if indicator.has_counts:
                values += [_number(figure.numerator), _number(figure.denominator)]
        writer.writerow([*first, level, code, name, *values])
    return output.getvalue()


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def report_xlsx(report: MonthlyReport) -> bytes:
    """The report as a workbook in the active language: key indicators, health facilities (ranked,
    flagged), sectors, the 12 months, the events to review, the volunteers who sent nothing and the
    definitions. Numbers are numbers (percentages as 0-100), codes are text."""
    book = Workbook()
    assert isinstance(book.active, Worksheet)  # a new workbook's one sheet
    _key_indicators(book.active, report)
    _places_sheet(book.create_sheet(_("Health facilities")), report, report.health_centres, ranked=True)
    _places_sheet(book.create_sheet(_("Sectors")), report, report.sectors, ranked=False)
    _twelve_months(book.create_sheet(_("12 months")), report)
    _events(book.create_sheet(_("Events to review")), report)
    _rows(
        book.create_sheet(_("Silent volunteers")),
        [_("Health facility"), _("Volunteer"), _("Phone")],
        [[v["health_centre"], v["name"], v["phone"]] for v in report.silent_volunteers],
        text_columns=(3,),
    )
    _rows(
        book.create_sheet(_("Definitions")),
        [_("Indicator"), _("Name"), _("Target"), _("Rule")],
        [
            [
                str(i.title),
                i.name,
                presentation.target_text(i, presentation.target_of(report, i.name)),
                i.rule,
            ]
            for i in INDICATORS
        ],
    )
    output = BytesIO()
    book.save(output)
    return output.getvalue()


def _title(sheet: Worksheet, report: MonthlyReport) -> None:
    sheet.append(
        [_("%(district)s district") % {"district": report.district.name}, month_label(report.period)]
    )
    sheet["A1"].font = Font(bold=True, size=13)
    generated = day_label(report.generated_at.astimezone()) if report.generated_at else ""
    state = _("complete") if report.month_complete else _("PROVISIONAL: month in progress")
    sheet.append([_("Version %(version)s") % {"version": report.version}, generated, state])
    sheet.append([])


def _key_indicators(sheet: Worksheet, report: MonthlyReport) -> None:
    sheet.title = _("Key indicators")
    _title(sheet, report)
    header = [
        _("Indicator"),
        month_label(report.period),
        month_label(report.period.shift(-1)),
        month_label(report.period.shift(-12)),
        _("Target"),
        _("Numerator"),
        _("Denominator"),
        _("Name"),
    ]
    sheet.append(header)
    for cell in sheet[sheet.max_row]:
        cell.font = BOLD
    for indicator in INDICATORS:
        figures = report.figures.get(indicator.name, {})
        month = Figure.from_json(figures.get("month"))
        sheet.append(
            [
                str(indicator.title),
                month.value,
                Figure.from_json(figures.get("previous")).value,
                Figure.from_json(figures.get("last_year")).value,
                presentation.target_text(indicator, presentation.target_of(report, indicator.name)),
                month.numerator,
                month.denominator,
                indicator.name,
            ]
        )
        flag = presentation.flag_of(report, indicator.name, figures.get("month"))
        if flag is not None:
            sheet.cell(sheet.max_row, 2).fill = FILLS[flag]
    _widths(sheet, [44, 16, 16, 16, 18, 12, 12, 36])


def _places_sheet(sheet: Worksheet, report: MonthlyReport, places: list[dict], *, ranked: bool) -> None:
    _title(sheet, report)
    lead = [_("Rank"), _("Code"), _("Health facility"), _("Sector")] if ranked else [_("Code"), _("Sector")]
    sheet.append([*lead, *(f"{i.short_title}{_unit_suffix(i)}" for i in INDICATORS)])
    for cell in sheet[sheet.max_row]:
        cell.font = BOLD
    for place in places:
        start = (
            [place["rank"], place["code"], place["name"], place["sector"]]
            if ranked
            else [place["code"], place["name"]]
        )
        sheet.append([*start, *(Figure.from_json(place["figures"].get(i.name)).value for i in INDICATORS)])
        row = sheet.max_row
        sheet.cell(row, 2 if ranked else 1).number_format = TEXT
        for column, indicator in enumerate(INDICATORS, start=len(lead) + 1):
            flag = presentation.flag_of(report, indicator.name, place["figures"].get(indicator.name))
            if flag is not None:
                sheet.cell(row, column).fill = FILLS[flag]
    _widths(sheet, [8, 10, 30, 18] if ranked else [10, 24])


def _twelve_months(sheet: Worksheet, report: MonthlyReport) -> None:
    _title(sheet, report)
    months = [point["month"] for point in report.trends.get(INDICATORS[0].name, [])]
    sheet.append([_("Indicator"), *(presentation.short_month_label(month) for month in months)])
    for cell in sheet[sheet.max_row]:
        cell.font = BOLD
    for indicator in INDICATORS:
        values = [point["value"] for point in report.trends.get(indicator.name, [])]
        sheet.append([f"{indicator.title}{_unit_suffix(indicator)}", *values])
    _widths(sheet, [44])


def _events(sheet: Worksheet, report: MonthlyReport) -> None:
    _title(sheet, report)
    _rows(
        sheet,
        [_("Date"), _("Event"), _("Health facility"), _("Sector"), _("Place")],
        [
            [
                day_label(event["date"]),
                str(presentation.DEATH_LABELS[event["kind"]]),
                event["health_centre"],
                event["sector"],
                presentation.place_label(event["place"]),
            ]
            for event in report.deaths
        ],
    )
    sheet.append([])
    _rows(
        sheet,
        [_("Alert"), _("Health facility"), _("Raised"), _("Minutes to OK"), _("Outcome")],
        [
            [
                alert["number"],
                alert["health_centre"],
                day_label(alert["raised_at"]),
                alert["minutes"],
                presentation.outcome_text(alert["outcome"]),
            ]
            for alert in report.slow_alerts
        ],
    )


def _rows(
    sheet: Worksheet, header: list[str], rows: list[list], *, text_columns: tuple[int, ...] = ()
) -> None:
    sheet.append(header)
    for cell in sheet[sheet.max_row]:
        cell.font = BOLD
    for row in rows:
        sheet.append(row)
        for column in text_columns:
            sheet.cell(sheet.max_row, column).number_format = TEXT
    _widths(sheet, [24] * len(header))


def _unit_suffix(indicator) -> str:
    return {Unit.PERCENT: " (%)", Unit.MINUTES: " (min)"}.get(indicator.unit, "")


def _widths(sheet: Worksheet, widths: list[int]) -> None:
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
