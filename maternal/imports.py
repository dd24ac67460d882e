"""CSV imports of facilities, staff and volunteers (the operator commands in the README).

Each import reads a CSV file with a fixed header and creates or updates one row per line, keyed
by facility code or phone, so running a file twice changes nothing the second time. A line is
checked completely before anything of it is written, and written in its own transaction: a bad
line is rejected whole, with its line number and every reason, and the other lines still import.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO, TypeVar

import phonenumbers
from django.conf import settings
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone

from maternal import services
from maternal.models import LANGUAGE_CHOICES, DutyChange, Facility, Location, Reporter, Staff

FACILITY_COLUMNS = ("code", "name", "kind", "village_code", "parent_code")
STAFF_COLUMNS = ("phone", "name", "role", "facility_code", "district", "on_duty", "language")
REPORTER_COLUMNS = ("phone", "name", "national_id", "village_code", "facility_code", "language")

# Which kinds of facility a facility of each kind may refer to (its ``parent``).
PARENT_KINDS: dict[str, set[str]] = {
    Facility.Kind.HEALTH_POST: {Facility.Kind.HEALTH_CENTRE, Facility.Kind.HOSPITAL},
    Facility.Kind.HEALTH_CENTRE: {Facility.Kind.HOSPITAL},
    Facility.Kind.HOSPITAL: {Facility.Kind.HOSPITAL},
}
# Roles tied to one kind of facility; the other roles may work at any facility.
ROLE_FACILITY_KINDS: dict[str, set[str]] = {
    Staff.Role.IN_CHARGE: {Facility.Kind.HEALTH_CENTRE, Facility.Kind.HEALTH_POST},
    Staff.Role.MATERNITY_ON_CALL: {Facility.Kind.HOSPITAL},
}
TRUE_WORDS = {"true", "1", "yes"}
FALSE_WORDS = {"false", "0", "no"}
LANGUAGES = {code for code, _ in LANGUAGE_CHOICES}

T = TypeVar("T")
M = TypeVar("M", bound=Model)


class ImportFileError(ValueError):
    """The file cannot be imported at all: unreadable, or not the expected columns."""


class RowError(ValueError):
    """One value of a line is wrong; the message is the reason shown to the operator."""


@dataclass(frozen=True)
class RowOutcome:
    line: int
    text: str


@dataclass
class ImportResult:
    created: list[RowOutcome] = field(default_factory=list)
    updated: list[RowOutcome] = field(default_factory=list)
    rejected: list[RowOutcome] = field(default_factory=list)

    def report_lines(self) -> list[str]:
        """What happened to each line, in file order, then the counts."""
        lines = [(o.line, f"line {o.line}: created {o.text}") for o in self.created]
        lines += [(o.line, f"line {o.line}: updated {o.text}") for o in self.updated]
        lines += [(o.line, f"line {o.line}: rejected: {o.text}") for o in self.rejected]
        return [text for _, text in sorted(lines)] + [self.summary()]

    def summary(self) -> str:
        counts = len(self.created), len(self.updated), len(self.rejected)
        return "created {}, updated {}, rejected {}".format(*counts)


class RowProblems:
    """Collects every wrong value of a line, so the operator can fix them all in one pass."""

    def __init__(self) -> None:
        self.reasons: list[str] = []

    def check(self, parse: Callable[..., T], *args: object, **kwargs: object) -> T | None:
        try:
            return parse(*args, **kwargs)
        except RowError as error:
            self.reasons.append(str(error))
            return None

    def add(self, reason: str) -> None:
        self.reasons.append(reason)

    def raise_if_any(self) -> None:
        """Raise if a check failed: after it, no value a check returned is None."""
        if self.reasons:
            raise RowError("; ".join(self.reasons))


# --- values --------------------------------------------------------------------------------


def parse_phone(raw: str) -> str:
    """``0788123456``, ``250788123456`` and ``+250788123456`` -> ``+250788123456`` (E.164);
    numbers without a country code are read in ``PHONENUMBER_DEFAULT_REGION``."""
    if not raw:
        raise RowError("phone is required")
    try:
        number = phonenumbers.parse(raw, settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise RowError(f"invalid phone number {raw}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _text(value: str, column: str, max_length: int, *, required: bool = True) -> str:
    if required and not value:
        raise RowError(f"{column} is required")
    if len(value) > max_length:
        raise RowError(f"{column} is longer than {max_length} characters")
    return value


def _choice(value: str, column: str, choices: Iterable[str]) -> str:
    choices = list(choices)
    if value.lower() not in choices:
        expected = ", ".join(choices)
        raise RowError(f"unknown {column} {value or '(empty)'}, expected one of {expected}")
    return value.lower()


def _on_duty(value: str) -> bool:
    if not value or value.lower() in TRUE_WORDS:
        return True
    if value.lower() in FALSE_WORDS:
        return False
    raise RowError(f"on_duty must be true/false, 1/0 or yes/no, not {value}")


def _language(value: str) -> str:
    return _choice(value, "language", sorted(LANGUAGES)) if value else settings.LANGUAGE_CODE


def _village(code: str) -> Location:
    village = Location.objects.filter(code=code, level=Location.Level.VILLAGE).first()
    if village is None:
        raise RowError(f"unknown village code {code or '(empty)'}")
    return village


def _facility(code: str, role: str = "facility") -> Facility:
    facility = Facility.objects.filter(code=code).first()
    if facility is None:
        raise RowError(f"unknown {role} code {code or '(empty)'}")
    return facility


def _district(name_or_code: str) -> Location:
    districts = Location.objects.filter(level=Location.Level.DISTRICT)
    district = districts.filter(Q(code=name_or_code) | Q(name__iexact=name_or_code)).first()
    if district is None:
        raise RowError(f"unknown district {name_or_code}")
    return district


# --- facilities ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FacilityRow:
    code: str
    name: str
    kind: str
    village: Location
    parent: Facility | None


def clean_facility(values: dict[str, str]) -> FacilityRow:
    problems = RowProblems()
    code = problems.check(_text, values["code"], "code", 16)
    if code and not code.isdigit():
        problems.add(f"facility code {code} is not a number (volunteers type it on a keypad)")
    name = problems.check(_text, values["name"], "name", 120)
    kind = problems.check(_choice, values["kind"], "kind", Facility.Kind.values)
    village = problems.check(_village, values["village_code"])
    parent_code = values["parent_code"]
    parent = problems.check(_facility, parent_code, "parent facility") if parent_code else None
    if parent and parent.code == code:
        problems.add("a facility cannot refer to itself")
    elif parent and kind and parent.kind not in PARENT_KINDS[kind]:
        parent_kind = parent.get_kind_display().lower()
        problems.add(f"a {kind} cannot refer to the {parent_kind} {parent.code}")
    problems.raise_if_any()
    assert code is not None and name is not None and kind is not None and village is not None
    return FacilityRow(code=code, name=name, kind=kind, village=village, parent=parent)


def save_facility(row: FacilityRow) -> tuple[Facility, bool]:
    facility, created = Facility.objects.update_or_create(
        code=row.code,
        defaults={
            "name": row.name,
            "kind": row.kind,
            "location": row.village,
            "parent": row.parent,
        },
    )
    cell = row.village.parent if row.kind == Facility.Kind.HEALTH_CENTRE else None
    facility.served_cells.set([cell] if cell else [])
    return facility, created


def import_facilities(file: TextIO) -> ImportResult:
    """Facilities by ``code``. A parent must be listed above the facilities that refer to it.

    A health centre serves the cell of its village; one that is the only health centre in its
    sector also serves every other cell of that sector (see fixtures/README.md).
    """
    centres: list[Facility] = []

    def save(row: FacilityRow) -> tuple[Facility, bool]:
        facility, created = save_facility(row)
        if facility.kind == Facility.Kind.HEALTH_CENTRE:
            centres.append(facility)
        return facility, created

    result = _import_rows(file, FACILITY_COLUMNS, "code", clean_facility, save)
    with transaction.atomic():
        for centre in centres:
            _serve_sector_if_alone(centre)
    return result


def _serve_sector_if_alone(centre: Facility) -> None:
    sector_id = centre.location.sector_id
    centres = Facility.objects.filter(kind=Facility.Kind.HEALTH_CENTRE)
    if not centres.filter(location__sector_id=sector_id).exclude(pk=centre.pk).exists():
        cells = Location.objects.filter(level=Location.Level.CELL, sector_id=sector_id)
        centre.served_cells.add(*cells)


# --- staff ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffRow:
    phone: str
    name: str
    role: str
    facility: Facility | None
    district: Location | None
    on_duty: bool
    language: str


def clean_staff(values: dict[str, str]) -> StaffRow:
    problems = RowProblems()
    phone = problems.check(parse_phone, values["phone"])
    name = problems.check(_text, values["name"], "name", 100)
    role = problems.check(_choice, values["role"], "role", Staff.Role.values)
    facility_code, district_name = values["facility_code"], values["district"]
    facility = problems.check(_facility, facility_code) if facility_code else None
    district = problems.check(_district, district_name) if district_name else None
    on_duty = problems.check(_on_duty, values["on_duty"])
    language = problems.check(_language, values["language"])
    if role == Staff.Role.DISTRICT_OFFICIAL and not district_name:
        problems.add("a district official needs a district")
    if role and role != Staff.Role.DISTRICT_OFFICIAL and not facility_code:
        problems.add(f"a {role} needs a facility_code")
    if facility and role in ROLE_FACILITY_KINDS and facility.kind not in ROLE_FACILITY_KINDS[role]:
        facility_kind = facility.get_kind_display().lower()
        problems.add(f"a {role} cannot work at the {facility_kind} {facility.code}")
    if facility and district and facility.district_id != district.pk:
        problems.add(f"facility {facility.code} is not in district {district.name}")
    problems.raise_if_any()
    assert phone is not None and name is not None and role is not None
    assert on_duty is not None and language is not None
    district = district or (facility.district if facility else None)
    return StaffRow(
        phone=phone,
        name=name,
        role=role,
        facility=facility,
        district=district,
        on_duty=on_duty,
        language=language,
    )


def save_staff(row: StaffRow) -> tuple[Staff, bool]:
    """The duty state goes through ``set_duty``, so that a changed state is in the duty history."""
    staff, created = Staff.objects.update_or_create(
        phone=row.phone,
        defaults={
            "name": row.name,
            "role": row.role,
            "facility": row.facility,
            "district": row.district,
            "language": row.language,
        },
        create_defaults={
            "name": row.name,
            "role": row.role,
            "facility": row.facility,
            "district": row.district,
            "language": row.language,
            "on_duty": row.on_duty,
        },
    )
    services.set_duty(staff=staff, on_duty=row.on_duty, source=DutyChange.Source.IMPORT)
    return staff, created


def import_staff(file: TextIO) -> ImportResult:
    """Staff by ``phone``; ``district`` (name or code) defaults to the facility's district."""
    return _import_rows(file, STAFF_COLUMNS, "phone", clean_staff, save_staff, _describe_staff)


def _describe_staff(staff: Staff) -> str:
    return f"{staff} {staff.phone}"


# --- volunteers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReporterRow:
    phone: str
    name: str
    national_id: str
    village: Location
    facility: Facility
    language: str


def clean_reporter(values: dict[str, str]) -> ReporterRow:
    problems = RowProblems()
    phone = problems.check(parse_phone, values["phone"])
    name = problems.check(_text, values["name"], "name", 100, required=False)
    national_id = values["national_id"]
    if national_id and not (national_id.isdigit() and len(national_id) == 16):
        problems.add(f"national_id {national_id} is not 16 digits")
    village = problems.check(_village, values["village_code"])
    facility = problems.check(_facility, values["facility_code"])
    language = problems.check(_language, values["language"])
    problems.raise_if_any()
    assert phone is not None and name is not None and village is not None
    assert facility is not None and language is not None
    return ReporterRow(
        phone=phone,
        name=name,
        national_id=national_id,
        village=village,
        facility=facility,
        language=language,
    )


def save_reporter(row: ReporterRow) -> tuple[Reporter, bool]:
    """The file lists working volunteers: a listed phone that was pending or inactive becomes
    active, approved now unless it was approved before."""
    reporter, created = Reporter.objects.update_or_create(
        phone=row.phone,
        defaults={
            "name": row.name,
            "national_id": row.national_id,
            "village": row.village,
            "facility": row.facility,
            "language": row.language,
            "status": Reporter.Status.ACTIVE,
        },
    )
    if reporter.approved_at is None:
        reporter.approved_at = timezone.now()
        reporter.save(update_fields=["approved_at"])
    return reporter, created


def import_reporters(file: TextIO) -> ImportResult:
    """Active volunteers by ``phone``."""
    return _import_rows(file, REPORTER_COLUMNS, "phone", clean_reporter, save_reporter)


# --- files ---------------------------------------------------------------------------------


def import_file(path: Path, importer: Callable[[TextIO], ImportResult]) -> ImportResult:
    """Run one import on a CSV file (UTF-8, with or without a byte-order mark), read whole
    first so that a file that is not UTF-8 is refused before any line is imported."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise ImportFileError(f"cannot read the file: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise ImportFileError("the file is not UTF-8 text (save it as CSV UTF-8)") from error
    return importer(io.StringIO(text, newline=""))


def _import_rows(
    file: TextIO,
    columns: tuple[str, ...],
    key_column: str,
    clean: Callable[[dict[str, str]], T],
    save: Callable[[T], tuple[M, bool]],
    describe: Callable[[M], str] = str,
) -> ImportResult:
    reader = csv.reader(file)
    names = _checked_header(next(reader, None), columns)
    result = ImportResult()
    first_line_of_key: dict[str, int] = {}
    for fields in reader:
        line = reader.line_num
        if not any(value.strip() for value in fields):
            continue
        try:
            if len(fields) != len(names):
                raise RowError(f"{len(fields)} values, expected {len(names)}")
            if any("\x00" in value for value in fields):  # PostgreSQL text cannot hold one
                raise RowError("a NUL character (a broken file?)")
            with transaction.atomic():
                row = clean(dict(zip(names, (value.strip() for value in fields), strict=True)))
                key = getattr(row, key_column)
                if key in first_line_of_key:
                    earlier = first_line_of_key[key]
                    raise RowError(f"{key_column} {key} is already on line {earlier}")
                obj, created = save(row)
        except RowError as error:
            result.rejected.append(RowOutcome(line, str(error)))
            continue
        first_line_of_key[key] = line
        (result.created if created else result.updated).append(RowOutcome(line, describe(obj)))
    return result


def _checked_header(fieldnames: list[str] | None, columns: tuple[str, ...]) -> list[str]:
    """The header's column names, lower-cased; any order, but exactly the expected ones."""
    expected = ",".join(columns)
    if not fieldnames:
        raise ImportFileError(f"the file is empty; expected the header {expected}")
    names = [name.strip().lower() for name in fieldnames]
    missing = [column for column in columns if column not in names]
    unknown = [name for name in names if name not in columns]
    if missing or unknown or len(set(names)) != len(names):
        raise ImportFileError(
            f"wrong header {','.join(names)}; expected {expected}"
            + (f" (missing: {', '.join(missing)})" if missing else "")
            + (f" (unknown: {', '.join(unknown)})" if unknown else "")
        )
    return names
