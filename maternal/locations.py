"""Loading the administrative tree (Province > District > Sector > Cell > Village) from the
flat village rows that ``rwalocation`` publishes: one row per village, carrying the codes and
names of all its ancestors.

Numeric codes lose their leading zeros, so that every level prefixes the next (Rwanda: province
``1``, district ``101``, sector ``10101``, which the data writes ``010101``, cell ``1010101``,
village ``101010102``) and a spreadsheet cannot drop a zero from them. The loader works level by
level with bulk queries, so the ~15,000 villages load in seconds; re-running it updates names,
parents and codes (a sector loaded as ``010101``) in place and never duplicates a code.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import CharField

from maternal.models import Location

LEVELS: tuple[str, ...] = tuple(Location.Level.values)
BATCH_SIZE = 1000


def _max_length(field_name: str) -> int:
    field = Location._meta.get_field(field_name)
    assert isinstance(field, CharField) and field.max_length is not None  # code, name: models.py
    return field.max_length


CODE_LENGTH = _max_length("code")
NAME_LENGTH = _max_length("name")


class LocationDataError(ValueError):
    """The data is not a consistent tree (missing field, one code with two names or parents)."""


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    level: str
    parent_code: str | None


@dataclass(frozen=True)
class LevelSummary:
    level: str
    created: int
    updated: int
    unchanged: int

    def __str__(self) -> str:
        counts = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        return f"{self.level}s: {counts}"


def normalise_code(code: str) -> str:
    """``010101`` -> ``10101``; a code that is not a number is kept as it is."""
    return code.lstrip("0") or code if code.isdigit() else code


def package_data_path() -> Path:
    """The national tree shipped by the ``rwalocation`` package."""
    return Path(str(resources.files("rwalocation").joinpath("data.json")))


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The village rows of a JSON file shaped like ``rwalocation/data.json``."""
    with path.open(encoding="utf-8") as file:
        rows = json.load(file)
    if not isinstance(rows, list):
        raise LocationDataError("expected a JSON list of village rows")
    return rows


def places_by_level(rows: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Place]]:
    """Every distinct place of each level, checked for consistency across the rows that repeat
    it; no database access."""
    levels: dict[str, dict[str, Place]] = {level: {} for level in LEVELS}
    first_level_of_code: dict[str, str] = {}
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, Mapping):
            raise LocationDataError(f"row {number}: not a JSON object")
        parent_code = None
        for level in LEVELS:
            try:
                code = normalise_code(str(row[f"{level}_code"]).strip())
                name = str(row[f"{level}_name"]).strip()
            except KeyError as missing:
                raise LocationDataError(f"row {number}: no {missing} field") from None
            if not code or not name:
                raise LocationDataError(f"row {number}: empty {level} code or name")
            if len(code) > CODE_LENGTH or len(name) > NAME_LENGTH:
                raise LocationDataError(f"row {number}: {level} code or name too long")
            place = Place(code=code, name=name, level=level, parent_code=parent_code)
            known = levels[level].setdefault(code, place)
            if known != place:
                raise LocationDataError(
                    f"row {number}: {level} {code} is {name!r} under {parent_code}, "
                    f"but {known.name!r} under {known.parent_code} in an earlier row"
                )
            other_level = first_level_of_code.setdefault(code, level)
            if other_level != level:
                raise LocationDataError(
                    f"row {number}: code {code} is used for a {level} and a {other_level}"
                )
            parent_code = code
    return levels


def load_locations(rows: Iterable[Mapping[str, Any]]) -> list[LevelSummary]:
    """Create or update every place of the rows, top level first, one transaction per level."""
    levels = places_by_level(rows)
    existing = {normalise_code(location.code): location for location in Location.objects.all()}
    for places in levels.values():
        for code, place in places.items():
            stored_level = existing[code].level if code in existing else place.level
            if stored_level != place.level:
                raise LocationDataError(
                    f"code {code} is a {stored_level} in the database, a {place.level} in the data"
                )
    return [_load_level(level, levels[level], existing) for level in LEVELS]


def _load_level(level: str, places: dict[str, Place], known: dict[str, Location]) -> LevelSummary:
    """Write one level; ``known`` gains the created rows, so the next level finds its parents."""
    to_create: list[Location] = []
    to_update: list[Location] = []
    changed_fields: set[str] = set()
    for place in places.values():
        parent = known[place.parent_code] if place.parent_code else None
        stored = known.get(place.code)
        location = stored or Location(code=place.code, level=level)
        wanted = {
            "code": place.code,
            "name": place.name,
            "parent_id": parent.pk if parent else None,
            "district_id": _ancestor_id(location, parent, Location.Level.DISTRICT),
            "sector_id": _ancestor_id(location, parent, Location.Level.SECTOR),
        }
        changed = [field for field, value in wanted.items() if getattr(location, field) != value]
        if stored is None:
            to_create.append(location)
        elif changed:
            to_update.append(location)
            changed_fields.update(changed)
        for field in changed:
            setattr(location, field, wanted[field])
    with transaction.atomic():
        Location.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
        if level in (Location.Level.DISTRICT, Location.Level.SECTOR):
            # A district is its own ``district``, a sector its own ``sector``: known only now.
            for location in to_create:
                setattr(location, f"{level}_id", location.pk)
            Location.objects.bulk_update(to_create, [level], batch_size=BATCH_SIZE)
        if to_update:  # only the columns that changed: bulk_update's cost grows with them
            Location.objects.bulk_update(to_update, changed_fields, batch_size=BATCH_SIZE)
    known.update((location.code, location) for location in to_create)
    created, updated = len(to_create), len(to_update)
    unchanged = len(places) - created - updated
    return LevelSummary(level=level, created=created, updated=updated, unchanged=unchanged)


def _ancestor_id(location: Location, parent: Location | None, level: str) -> int | None:
    """The id of the node's ancestor at ``level``, or its own id when it is at that level (None
    for a new row: filled in after it is created)."""
    if location.level == level:
        return location.pk
    return getattr(parent, f"{level}_id", None) if parent else None
