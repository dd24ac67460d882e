"""The DHIS2 export: a ``dataValueSets`` document of one report version, and the metadata package
that creates its data elements and data set (docs/dhis2.md).

What DHIS2 can add up, and nothing else: values for one organisation-unit level only
(``DHIS2_ORG_UNIT_LEVEL``: each health facility, or each sector; never the district too, which
DHIS2 analytics computes from its children), counts as they are, and for every percentage or
median its two counts as data elements of their own (a percentage's numerator and denominator; a
median's total minutes and number of alerts), from which DHIS2 indicators compute the ratio at any
level. The data elements and the data set have fixed UIDs (``metadata_package``), shipped as
``deploy/dhis2/metadata.json``; the organisation units (and, for an instance with its own data
elements, any data element) are mapped in a CSV file (``DHIS2_MAPPING_FILE``), not in code.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

import requests
from django.conf import settings
from django.utils import translation

from reports.indicators import INDICATORS, Figure, Indicator, Unit
from reports.models import MonthlyReport

DATA_SET_CODE = "UMUBYEYI_MONTHLY"
#: Counts of a state at the month's end (or of people in a month): summed across places, averaged
#: across months.
STOCKS = ("high_risk_active", "volunteers_active", "data_completeness")
UID_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
LEVELS = ("health_facility", "sector")
TIMEOUT_SECONDS = 60


class Dhis2Error(Exception):
    """DHIS2 is not configured, or refused or failed the request."""


@dataclass(frozen=True)
class DataElement:
    code: str
    name: str
    short_name: str
    indicator: Indicator
    #: Which figure of the indicator it holds: "value" (a count), "numerator" or "denominator".
    part: str

    @property
    def uid(self) -> str:
        return uid(self.code)

    def value(self, figure: Figure) -> str | None:
        number = getattr(figure, self.part)
        return None if number is None else f"{number:g}"


def uid(code: str) -> str:
    """A fixed DHIS2 UID for one of our codes: 11 characters, a letter first (DHIS2's rule)."""
    digest = int(hashlib.sha256(code.encode()).hexdigest(), 16)
    characters = [UID_ALPHABET[digest % 52]]
    digest //= 52
    for _position in range(10):
        characters.append(UID_ALPHABET[digest % 62])
        digest //= 62
    return "".join(characters)


def data_elements() -> list[DataElement]:
    """One data element per count; two per percentage or median, none for the ratio itself (named
    in English, DHIS2's metadata language)."""
    with translation.override("en"):
        return _data_elements()


def _data_elements() -> list[DataElement]:
    elements = []
    for indicator in INDICATORS:
        code = f"UMUBYEYI_{indicator.name.upper()}"
        if not indicator.has_counts:
            name, short_name = f"Umubyeyi {indicator.title}", _short(str(indicator.short_title))
            elements.append(DataElement(code, name, short_name, indicator, "value"))
            continue
        for part, title in (
            ("numerator", indicator.numerator_title),
            ("denominator", indicator.denominator_title),
        ):
            name = f"Umubyeyi {indicator.title}: {title}"
            short_name = _short(f"{indicator.short_title} {part[:3]}")
            elements.append(DataElement(f"{code}_{part[:3].upper()}", name, short_name, indicator, part))
    return elements


def _short(text: str) -> str:
    return f"UMB {text}"[:50]


# --- mapping -----------------------------------------------------------------------------------


Mapping = dict[tuple[str, str], str]


def mapping() -> Mapping:
    """(kind, our code) -> DHIS2 identifier, from the CSV file ``DHIS2_MAPPING_FILE`` (columns
    ``kind,code,dhis2``; kinds ``org_unit``, ``data_element``, ``data_set``); empty without it."""
    path = settings.DHIS2_MAPPING_FILE
    if not path:
        return {}
    with Path(path).open(encoding="utf-8", newline="") as file:
        return {
            (row["kind"].strip(), row["code"].strip()): row["dhis2"].strip() for row in csv.DictReader(file)
        }


def org_unit(codes: Mapping, code: str) -> str | None:
    """The DHIS2 organisation unit of a health facility's or a sector's code, in the scheme of
    ``DHIS2_ORG_UNIT_ID_SCHEME``: the mapped one, else (scheme CODE) our code; None when a UID is
    needed and none is mapped."""
    mapped = codes.get(("org_unit", code))
    if mapped:
        return mapped
    return code if settings.DHIS2_ORG_UNIT_ID_SCHEME == "CODE" else None


def _mapped_uid(codes: Mapping, kind: str, code: str) -> str:
    return codes.get((kind, code)) or uid(code)


# --- the document ------------------------------------------------------------------------------


def data_value_set(report: MonthlyReport, *, level: str | None = None) -> dict:
    """The report's current version as a dataValueSets document: every data element for each place
    of one level. Places that cannot be matched to an organisation unit are listed under
    ``unmapped`` (not a DHIS2 field: the sending command removes it and says so)."""
    level = level or settings.DHIS2_ORG_UNIT_LEVEL
    if level not in LEVELS:
        raise Dhis2Error(f"DHIS2_ORG_UNIT_LEVEL must be one of {', '.join(LEVELS)}, not {level!r}")
    places = report.health_centres if level == "health_facility" else report.sectors
    period = f"{report.period.year:04d}{report.period.month:02d}"
    codes = mapping()
    values, unmapped = [], []
    for place in places:
        unit = org_unit(codes, place["code"]) if place["code"] else None
        if unit is None:
            unmapped.append(place["code"] or place["name"])
            continue
        for element in data_elements():
            value = element.value(Figure.from_json(place["figures"].get(element.indicator.name)))
            if value is not None:
                values.append(
                    {
                        "dataElement": _mapped_uid(codes, "data_element", element.code),
                        "period": period,
                        "orgUnit": unit,
                        "value": value,
                    }
                )
    document = {
        "dataSet": _mapped_uid(codes, "data_set", DATA_SET_CODE),
        "period": period,
        "completeDate": f"{report.generated_at:%Y-%m-%d}"
        if report.month_complete and report.generated_at
        else None,
        "dataElementIdScheme": "UID",
        "orgUnitIdScheme": settings.DHIS2_ORG_UNIT_ID_SCHEME,
        "dataValues": values,
    }
    if document["completeDate"] is None:
        del document["completeDate"]  # a month in progress is not complete
    if unmapped:
        document["unmapped"] = unmapped
    return document


def post_data_value_set(document: dict, *, dry_run: bool) -> dict:
    """POST the document to ``DHIS2_URL``/api/dataValueSets; with ``dry_run`` DHIS2 checks every
    value and answers with its import summary, saving nothing."""
    if not settings.DHIS2_URL:
        raise Dhis2Error("DHIS2_URL is not set: no DHIS2 instance is configured.")
    headers = {"Accept": "application/json"}
    auth = None
    if settings.DHIS2_TOKEN:
        headers["Authorization"] = f"ApiToken {settings.DHIS2_TOKEN}"
    else:
        auth = (settings.DHIS2_USERNAME, settings.DHIS2_PASSWORD)
    params = {
        "dryRun": str(dry_run).lower(),
        "importStrategy": "CREATE_AND_UPDATE",
        "dataElementIdScheme": document["dataElementIdScheme"],
        "orgUnitIdScheme": document["orgUnitIdScheme"],
    }
    try:
        response = requests.post(
            f"{settings.DHIS2_URL.rstrip('/')}/api/dataValueSets",
            json={key: value for key, value in document.items() if key != "unmapped"},
            params=params,
            headers=headers,
            auth=auth,
            timeout=TIMEOUT_SECONDS,
        )
    except requests.RequestException as error:
        raise Dhis2Error(f"DHIS2 could not be reached: {error}") from error
    try:
        summary = response.json()
    except ValueError:
        summary = {"status": "ERROR", "description": response.text[:500]}
    if response.status_code >= 400 and response.status_code != 409:
        raise Dhis2Error(f"DHIS2 answered {response.status_code}: {summary}")
    return summary.get("response", summary)  # DHIS2 2.38+ wraps the import summary


# --- the metadata package ----------------------------------------------------------------------


def metadata_package() -> dict:
    """The metadata import (``POST /api/metadata``) that creates the data elements, an indicator
    per percentage or median, and the monthly data set: deploy/dhis2/metadata.json."""
    with translation.override("en"):
        return _metadata_package()


def _metadata_package() -> dict:
    elements = data_elements()
    percent, number = uid("UMUBYEYI_PERCENT"), uid("UMUBYEYI_NUMBER")
    indicators = []
    for indicator in INDICATORS:
        if not indicator.has_counts:
            continue
        numerator, denominator = (e for e in elements if e.indicator is indicator)
        code = f"UMUBYEYI_{indicator.name.upper()}"
        indicators.append(
            {
                "id": uid(code),
                "code": code,
                "name": f"Umubyeyi {indicator.title}"
                + (" (mean minutes)" if indicator.unit == Unit.MINUTES else ""),
                "shortName": _short(str(indicator.short_title)),
                "indicatorType": {"id": percent if indicator.unit == Unit.PERCENT else number},
                "numerator": f"#{{{numerator.uid}}}",
                "numeratorDescription": str(indicator.numerator_title),
                "denominator": f"#{{{denominator.uid}}}",
                "denominatorDescription": str(indicator.denominator_title),
                "description": indicator.rule,
            }
        )
    return {
        "indicatorTypes": [
            {
                "id": percent,
                "code": "UMUBYEYI_PERCENT",
                "name": "Umubyeyi percent",
                "factor": 100,
                "number": False,
            },
            {"id": number, "code": "UMUBYEYI_NUMBER", "name": "Umubyeyi number", "factor": 1, "number": True},
        ],
        "dataElements": [
            {
                "id": element.uid,
                "code": element.code,
                "name": element.name,
                "shortName": element.short_name,
                "description": element.indicator.rule,
                "domainType": "AGGREGATE",
                "valueType": "NUMBER"
                if element.indicator.unit == Unit.MINUTES and element.part == "numerator"
                else "INTEGER_ZERO_OR_POSITIVE",
                "aggregationType": "AVERAGE_SUM_ORG_UNIT" if element.indicator.name in STOCKS else "SUM",
                "zeroIsSignificant": True,
            }
            for element in elements
        ],
        "indicators": indicators,
        "dataSets": [
            {
                "id": uid(DATA_SET_CODE),
                "code": DATA_SET_CODE,
                "name": "Umubyeyi monthly maternal health",
                "shortName": "Umubyeyi monthly",
                "periodType": "Monthly",
                "dataSetElements": [{"dataElement": {"id": element.uid}} for element in elements],
            }
        ],
    }
