"""The CSV download: the snapshot's indicators per sector, with the district total last."""

from __future__ import annotations

import csv
from io import StringIO

from reports.indicators import INDICATORS, Figure
from reports.models import MonthlyReport


def report_csv(report: MonthlyReport) -> str:
    """One row per sector and one for the whole district; one column per indicator (by its name,
    as in the annex and ``docs/indicators.md``); an empty cell where a ratio has no denominator."""
    output = StringIO()
    writer = csv.writer(output)
    writer.writerow(
        ["district_code", "district", "month", "sector_code", "sector", *(i.name for i in INDICATORS)]
    )
    place = [report.district.code, report.district.name, str(report.period)]
    for sector in report.sectors:
        values = [_value(sector["figures"].get(indicator.name)) for indicator in INDICATORS]
        writer.writerow([*place, sector["code"], sector["name"], *values])
    totals = [_value(report.figures.get(indicator.name, {}).get("month")) for indicator in INDICATORS]
    writer.writerow([*place, "", "(district total)", *totals])
    return output.getvalue()


def _value(data: dict | None) -> str:
    value = Figure.from_json(data).value
    return "" if value is None else f"{value:g}"
