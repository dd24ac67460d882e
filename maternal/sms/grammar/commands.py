"""The typed commands an SMS stands for, one dataclass per keyword."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar, Protocol


# --- Commands -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class MotherId:
    """How a report names the mother. kind: "national" (16-digit ID), "fallback" (volunteer's
    phone + ddmmyy), "system" (T4821, given by the system) or "new" (PRE NEW)."""

    kind: str
    value: str

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Registration:
    keyword: ClassVar[str] = "REG"
    national_id: str
    facility_code: str
    village_code: str
    language: str | None = None


@dataclass(frozen=True)
class Approval:
    keyword: ClassVar[str] = "YES"
    registration_number: int


@dataclass(frozen=True)
class PregnancyReport:
    keyword: ClassVar[str] = "PRE"
    mother_id: MotherId
    last_menstrual_period: date
    gravidity: int
    parity: int
    previous_risks: tuple[str, ...] = ()
    symptoms: tuple[str, ...] = ()
    next_visit_date: date | None = None
    place: str | None = None
    mother_weight_kg: Decimal | None = None
    height_cm: Decimal | None = None
    muac_cm: Decimal | None = None
    has_toilet: bool | None = None
    has_handwashing: bool | None = None
    mother_phone: str | None = None
    long_form: bool = False  # sent in the national long form (a next-visit date third)


@dataclass(frozen=True)
class AncReport:
    keyword: ClassVar[str] = "ANC"
    mother_id: MotherId
    visit_date: date
    contact_number: int
    symptoms: tuple[str, ...] = ()
    place: str | None = None
    mother_weight_kg: Decimal | None = None
    muac_cm: Decimal | None = None


@dataclass(frozen=True)
class RiskReport:
    keyword: ClassVar[str] = "RISK"
    mother_id: MotherId
    symptoms: tuple[str, ...]
    location: str | None = None
    mother_weight_kg: Decimal | None = None


@dataclass(frozen=True)
class RedAlert:
    keyword: ClassVar[str] = "RED"
    mother_id: MotherId
    danger_signs: tuple[str, ...]
    unknown_codes: tuple[str, ...] = ()  # reported back to the sender; the alert still goes
    location: str | None = None
    mother_weight_kg: Decimal | None = None


@dataclass(frozen=True)
class AlertResult:
    keyword: ClassVar[str] = "RAR"
    mother_id: MotherId
    statuses: tuple[str, ...]
    intervention: str | None = None
    ambulance: str | None = None
    danger_signs: tuple[str, ...] = ()
    place: str | None = None


@dataclass(frozen=True)
class Baby:
    child_number: int
    sex: str
    weight_kg: Decimal | None = None
    signs: tuple[str, ...] = ()


@dataclass(frozen=True)
class BirthReport:
    keyword: ClassVar[str] = "BIR"
    mother_id: MotherId
    birth_date: date
    place: str
    babies: tuple[Baby, ...]
    breastfeeding: str | None = None


@dataclass(frozen=True)
class PncReport:
    keyword: ClassVar[str] = "PNC"
    mother_id: MotherId
    visit_number: int
    visit_date: date | None = None  # short form
    birth_date: date | None = None  # long form
    symptoms: tuple[str, ...] = ()
    done_at_facility: bool | None = None
    intervention: str | None = None
    mother_status: str | None = None


@dataclass(frozen=True)
class DeathReport:
    keyword: ClassVar[str] = "DTH"
    mother_id: MotherId
    death: str
    date: date | None = None
    place: str | None = None
    child_number: int | None = None
    birth_date: datetime.date | None = None  # in this class, `date` names the field above


@dataclass(frozen=True)
class LossReport:
    keyword: ClassVar[str] = "LOS"
    mother_id: MotherId
    date: date | None = None


@dataclass(frozen=True)
class DepartureReport:
    keyword: ClassVar[str] = "DEP"
    mother_id: MotherId
    new_village_code: str | None = None


@dataclass(frozen=True)
class Acknowledgement:
    keyword: ClassVar[str] = "OK"
    alert_number: int | None = None


@dataclass(frozen=True)
class LanguageChoice:
    keyword: ClassVar[str] = "LANG"
    language: str


@dataclass(frozen=True)
class OnDuty:
    """A staff member starts duty: red alerts reach them from now."""

    keyword: ClassVar[str] = "ON"
    on_duty: ClassVar[bool] = True


@dataclass(frozen=True)
class OffDuty:
    """A staff member ends duty: red alerts no longer reach them."""

    keyword: ClassVar[str] = "OFF"
    on_duty: ClassVar[bool] = False


@dataclass(frozen=True)
class WhoAmI:
    keyword: ClassVar[str] = "WHO"


@dataclass(frozen=True)
class HelpRequest:
    """HELP [keyword]. Unlike the other commands, `keyword` is the field: the keyword asked
    about (upper-cased, maybe not a real one: the handler decides), or None for the list."""

    keyword: str | None = None


class Command(Protocol):
    """What ``parse`` returns: one of the command dataclasses above, each naming its keyword
    (a new keyword's dataclass is one without being listed anywhere)."""

    keyword: ClassVar[str]
