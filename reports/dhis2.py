"""The DHIS2 export: a ``dataValueSets`` JSON document of the snapshot, for import into the national
health information system (``POST /api/dataValueSets``).

Identifiers come from two settings tables, so a deployment maps them without code changes:
``DHIS2_DATA_ELEMENTS`` (indicator name -> data element) and ``DHIS2_ORG_UNITS`` (location code ->
organisation unit). Unmapped entries fall back to codes (``UMUBYEYI_<NAME>`` and the national
location code), with ``DHIS2_ID_SCHEME`` (default ``CODE``) telling DHIS2 to match them as codes;
set it to ``UID`` when both tables hold DHIS2 UIDs.
"""

from __future__ import annotations

from django.conf import settings

from reports.indicators import INDICATORS, Figure
from reports.models import MonthlyReport


def data_element(indicator_name: str) -> str:
    mapping = getattr(settings, "DHIS2_DATA_ELEMENTS", {})
    return mapping.get(indicator_name, f"UMUBYEYI_{indicator_name.upper()}")


def org_unit(location_code: str) -> str:
    return getattr(settings, "DHIS2_ORG_UNITS", {}).get(location_code, location_code)


def data_value_set(report: MonthlyReport) -> dict:
    """The district's and each sector's figures for the month; values without a denominator (a ratio
    of nothing) are left out rather than sent as zero."""
    scheme = getattr(settings, "DHIS2_ID_SCHEME", "CODE")
    period = f"{report.period.year:04d}{report.period.month:02d}"
    places = [(report.district.code, {name: f["month"] for name, f in report.figures.items()})]
    places += [(sector["code"], sector["figures"]) for sector in report.sectors]
    values = [
        {
            "dataElement": data_element(indicator.name),
            "period": period,
            "orgUnit": org_unit(code),
            "value": f"{figure.value:g}",
        }
        for code, figures in places
        for indicator in INDICATORS
        if (figure := Figure.from_json(figures.get(indicator.name))).value is not None
    ]
    return {
        "dataElementIdScheme": scheme,
        "orgUnitIdScheme": scheme,
        "completeDate": f"{report.generated_at:%Y-%m-%d}" if report.generated_at else None,
        "dataValues": values,
    }
