"""``load_locations``: the Province > District > Sector > Cell > Village tree from village rows."""

import json
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from maternal.locations import package_data_path, read_rows
from maternal.models import Location

pytestmark = pytest.mark.django_db


def village_row(cell: tuple[str, str], village: tuple[str, str]) -> dict[str, object]:
    """A row shaped like rwalocation's, in one province, district and sector."""
    return {
        "province_code": 9,
        "province_name": "Testland",
        "district_code": 901,
        "district_name": "Alpha",
        "sector_code": "090101",
        "sector_name": "Beta",
        "cell_code": int(cell[0]),
        "cell_name": cell[1],
        "village_code": int(village[0]),
        "village_name": village[1],
    }


@pytest.fixture
def tree_file(tmp_path: Path) -> Path:
    rows = [
        village_row(("9010101", "Gamma"), ("901010101", "Delta")),
        village_row(("9010101", "Gamma"), ("901010102", "Epsilon")),
        village_row(("9010102", "Zeta"), ("901010201", "Eta")),
    ]
    path = tmp_path / "tree.json"
    path.write_text(json.dumps(rows))
    return path


def rewrite(path: Path, change: Callable[[list[dict]], object]) -> None:
    rows = json.loads(path.read_text())
    change(rows)
    path.write_text(json.dumps(rows))


def load(path: Path) -> str:
    out = StringIO()
    call_command("load_locations", "--file", str(path), stdout=out)
    return out.getvalue()


def test_a_first_load_creates_every_place_and_reports_it_per_level(tree_file):
    output = load(tree_file)

    assert "provinces: 1 created, 0 updated, 0 unchanged" in output
    assert "districts: 1 created, 0 updated, 0 unchanged" in output
    assert "sectors: 1 created, 0 updated, 0 unchanged" in output
    assert "cells: 2 created, 0 updated, 0 unchanged" in output
    assert "villages: 3 created, 0 updated, 0 unchanged" in output
    assert "done in" in output


def test_loading_the_same_tree_twice_changes_nothing_the_second_time(tree_file):
    load(tree_file)
    ids = dict(Location.objects.values_list("code", "id"))

    output = load(tree_file)

    assert "cells: 0 created, 0 updated, 2 unchanged" in output
    assert "villages: 0 created, 0 updated, 3 unchanged" in output
    assert dict(Location.objects.values_list("code", "id")) == ids


def test_a_renamed_village_is_updated_in_place(tree_file):
    load(tree_file)
    village_id = Location.objects.get(code="901010102").pk
    rewrite(tree_file, lambda rows: rows[1].update(village_name="Epsilon Nshya"))

    output = load(tree_file)

    assert "villages: 0 created, 1 updated, 2 unchanged" in output
    village = Location.objects.get(code="901010102")
    assert (village.pk, village.name) == (village_id, "Epsilon Nshya")


def test_a_village_moved_to_another_cell_gets_its_new_parent(tree_file):
    load(tree_file)
    rewrite(tree_file, lambda rows: rows[1].update(cell_code=9010102, cell_name="Zeta"))

    load(tree_file)

    assert Location.objects.get(code="901010102").parent.code == "9010102"


def test_a_cell_moved_to_another_sector_takes_its_villages_along(tree_file):
    load(tree_file)
    new_sector = {"sector_code": "090102", "sector_name": "Theta"}
    rewrite(tree_file, lambda rows: [row.update(new_sector) for row in rows[:2]])

    output = load(tree_file)

    assert "cells: 0 created, 1 updated, 1 unchanged" in output
    assert "villages: 0 created, 2 updated, 1 unchanged" in output
    assert Location.objects.get(code="9010101").parent.code == "90102"
    assert Location.objects.get(code="901010101").sector.code == "90102"


def test_every_place_points_at_its_parent_district_and_sector(tree_file):
    load(tree_file)
    places = {location.level: location for location in Location.objects.all()}
    province, district, sector = places["province"], places["district"], places["sector"]

    assert (province.parent, province.district, province.sector) == (None, None, None)
    assert (district.parent, district.district, district.sector) == (province, district, None)
    assert (sector.parent, sector.district, sector.sector) == (district, district, sector)
    village = Location.objects.get(code="901010201")
    assert (village.parent.code, village.district, village.sector) == ("9010102", district, sector)


def test_codes_lose_their_leading_zero_so_that_each_level_prefixes_the_next(tree_file):
    load(tree_file)

    assert Location.objects.get(level="sector").code == "90101"
    assert Location.objects.get(level="district").code == "901"


def test_loading_again_renames_a_sector_loaded_with_its_leading_zero(tree_file):
    load(tree_file)
    sector = Location.objects.get(level="sector")
    Location.objects.filter(pk=sector.pk).update(code="090101")

    load(tree_file)

    assert Location.objects.get(level="sector").pk == sector.pk
    assert Location.objects.get(pk=sector.pk).code == "90101"


def test_a_code_with_two_different_names_is_refused_before_anything_is_written(tree_file):
    rewrite(tree_file, lambda rows: rows[2].update(district_name="Omega"))

    with pytest.raises(CommandError, match="district 901"):
        load(tree_file)

    assert not Location.objects.exists()


def test_the_national_tree_from_rwalocation_loads_with_its_official_counts():
    rows = read_rows(package_data_path())

    call_command("load_locations", stdout=StringIO())

    counts = {level: Location.objects.filter(level=level).count() for level in Location.Level}
    assert counts["province"] == 5
    assert counts["district"] == 30
    assert counts["sector"] == 416
    assert counts["cell"] == len({row["cell_code"] for row in rows})
    assert counts["village"] == len({row["village_code"] for row in rows})
    assert Location.objects.get(code="101010102").sector.code == "10101"
