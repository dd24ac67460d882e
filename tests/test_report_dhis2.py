"""The DHIS2 export: a dataValueSets document DHIS2 can import and aggregate (one org-unit level, the
counts of every ratio, a data set), the shipped metadata package that creates what it refers to,
the code mappings read from a CSV file, and the command that posts it. No DHIS2 server is mocked:
the tests check the document."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import time_machine
from django.core.management import CommandError, call_command

from reports import services
from reports.dhis2 import DATA_SET_CODE, data_elements, data_value_set, metadata_package, uid
from reports.management.commands.dhis2_metadata import SHIPPED, package_text
from reports.months import Month
from tests.report_factories import january_data_set, kigali

JANUARY = Month(2026, 1)
SCHEMA = json.loads((Path(__file__).parent / "data" / "dhis2_data_value_set.schema.json").read_text())


@pytest.fixture
def report(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    gasabo = january_data_set()
    with time_machine.travel(kigali(2026, 2, 1, 2, 0), tick=False):
        return services.generate_report(district=gasabo.district, month=JANUARY)


def values_by(document: dict) -> dict[tuple[str, str], str]:
    codes = {element.uid: element.code for element in data_elements()}
    return {(codes[v["dataElement"]], v["orgUnit"]): v["value"] for v in document["dataValues"]}


def test_the_export_is_a_valid_data_value_set_document(report):
    jsonschema.validate(data_value_set(report), SCHEMA)


def test_the_export_names_its_data_set_and_the_day_the_complete_month_was_computed(report):
    document = data_value_set(report)
    assert (document["dataSet"], document["period"], document["completeDate"]) == (
        uid(DATA_SET_CODE),
        "202601",
        "2026-02-01",
    )


def test_the_export_sends_the_health_facilities_and_never_the_district_total(report):
    org_units = {value["orgUnit"] for value in data_value_set(report)["dataValues"]}
    assert org_units == {"10201", "10202"}


def test_the_export_can_send_the_sectors_instead(report, settings):
    settings.DHIS2_ORG_UNIT_LEVEL = "sector"
    values = values_by(data_value_set(report))
    assert values[("UMUBYEYI_BIRTHS", "10201")] == "3"  # the Kacyiru sector
    assert {org_unit for _element, org_unit in values} == {"10201", "10202"}


def test_a_percentage_is_sent_as_its_numerator_and_denominator_never_as_a_ratio(report):
    values = values_by(data_value_set(report))
    assert values[("UMUBYEYI_FACILITY_BIRTHS_NUM", "10202")] == "0"
    assert values[("UMUBYEYI_FACILITY_BIRTHS_DEN", "10202")] == "1"
    assert values[("UMUBYEYI_FACILITY_BIRTHS_NUM", "10201")] == "3"
    assert not [element for element, _unit in values if element == "UMUBYEYI_FACILITY_BIRTHS"]


def test_a_median_is_sent_as_the_total_minutes_and_the_number_of_alerts(report):
    values = values_by(data_value_set(report))
    # Kacyiru: A1 4 min and A2 8 min; Remera: A3 25 min (A4 never acknowledged).
    assert values[("UMUBYEYI_MEDIAN_MINUTES_TO_ACKNOWLEDGE_NUM", "10201")] == "12"
    assert values[("UMUBYEYI_MEDIAN_MINUTES_TO_ACKNOWLEDGE_DEN", "10201")] == "2"
    assert values[("UMUBYEYI_MEDIAN_MINUTES_TO_ACKNOWLEDGE_DEN", "10202")] == "1"


def test_the_health_facilities_add_up_to_the_district(report):
    values = values_by(data_value_set(report))
    for name in ("births", "new_pregnancies", "red_alerts"):
        code = f"UMUBYEYI_{name.upper()}"
        total = sum(int(value) for (element, _unit), value in values.items() if element == code)
        assert total == report.figures[name]["month"]["value"], name


def test_a_month_in_progress_is_exported_without_a_complete_date(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    gasabo = january_data_set()
    with time_machine.travel(kigali(2026, 1, 20), tick=False):
        report = services.generate_report(district=gasabo.district, month=JANUARY)
    assert "completeDate" not in data_value_set(report)


def test_org_units_and_data_elements_are_mapped_from_a_csv_file(report, settings, tmp_path):
    mapping = tmp_path / "mapping.csv"
    mapping.write_text(
        "kind,code,dhis2\norg_unit,10201,OrgKacyiru1\ndata_element,UMUBYEYI_BIRTHS,wXnd5Zf0Kxq\n"
    )
    settings.DHIS2_MAPPING_FILE = str(mapping)
    values = data_value_set(report)["dataValues"]
    births = sorted((v["orgUnit"], v["value"]) for v in values if v["dataElement"] == "wXnd5Zf0Kxq")
    assert births == [("10202", "1"), ("OrgKacyiru1", "3")]


def test_with_uids_a_place_without_a_mapped_org_unit_is_left_out_and_named(report, settings, tmp_path):
    mapping = tmp_path / "mapping.csv"
    mapping.write_text("kind,code,dhis2\norg_unit,10201,OrgKacyiru1\n")
    settings.DHIS2_MAPPING_FILE, settings.DHIS2_ORG_UNIT_ID_SCHEME = str(mapping), "UID"
    document = data_value_set(report)
    assert {value["orgUnit"] for value in document["dataValues"]} == {"OrgKacyiru1"}
    assert document["unmapped"] == ["10202"]


def test_every_data_element_sent_is_created_by_the_metadata_package_and_in_its_data_set(report):
    package = metadata_package()
    created = {element["id"] for element in package["dataElements"]}
    (data_set,) = package["dataSets"]
    in_set = {member["dataElement"]["id"] for member in data_set["dataSetElements"]}
    sent = {value["dataElement"] for value in data_value_set(report)["dataValues"]}
    assert sent <= created == in_set
    assert data_set["id"] == data_value_set(report)["dataSet"] and data_set["periodType"] == "Monthly"


def test_the_metadata_package_has_valid_unique_identifiers_and_short_names():
    package = metadata_package()
    objects = [item for kind in package.values() for item in kind]
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9]{10}", item["id"]) for item in objects)
    assert len({item["id"] for item in objects}) == len(objects)
    short_names = [item["shortName"] for item in package["dataElements"] + package["indicators"]]
    assert len(set(short_names)) == len(short_names) and max(map(len, short_names)) <= 50


def test_the_shipped_metadata_package_is_the_one_the_code_makes():
    assert SHIPPED.read_text(encoding="utf-8") == package_text(), "run manage.py dhis2_metadata"


def test_the_send_command_needs_a_configured_instance(report, settings):
    settings.DHIS2_URL = ""
    with pytest.raises(CommandError, match="DHIS2_URL is not set"):
        call_command("dhis2_send", "--month", "2026-01", "--dry-run")


def test_the_send_command_never_sends_a_month_computed_while_in_progress(db, settings, tmp_path):
    settings.MEDIA_ROOT, settings.DHIS2_URL = tmp_path, "https://dhis2.invalid"
    gasabo = january_data_set()
    with time_machine.travel(kigali(2026, 1, 20), tick=False):
        services.generate_report(district=gasabo.district, month=JANUARY)
    with pytest.raises(CommandError, match="in progress"):
        call_command("dhis2_send", "--month", "2026-01", "--dry-run")


def test_the_version_sent_is_frozen_with_its_date_and_a_new_version_leaves_it(report):
    with time_machine.travel(kigali(2026, 2, 3, 9, 0), tick=False):
        sent = services.record_dhis2_submission(report=report, document=data_value_set(report))
    again = services.generate_report(district=report.district, month=JANUARY)
    sent.refresh_from_db()
    assert (sent.number, again.version) == (1, 2)
    assert sent.sent_to_dhis2_at == kigali(2026, 2, 3, 9, 0)
    assert sent.sent_document["completeDate"] == "2026-02-01"
    assert again.current.sent_to_dhis2_at is None
