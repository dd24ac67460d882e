"""Pure parsing of the coded SMS reports: text -> a typed command, or a ParseError naming every
wrong field. No database, no settings: `today` is passed in.

    parse("PRE 1199070012345678 01.03.2026 3 2 gs vo", today=date(2026, 5, 1))
    -> PregnancyReport(mother_id=MotherId("national", "1199070012345678"), gravidity=3, ...)

Each keyword has one grammar in GRAMMARS: its usage line (the single source of HELP replies and
docs), a function that reads its fields and one that writes a command back as SMS text. A read
function takes the fields in message order from a `_Reader`, which records every error instead of
stopping at the first; the order of its reads is the field order. After the positional fields
come the free-order codes, sorted into the groups of codes.py. The short form and the national
long form of a keyword share one function, and the long form's extras (place, weight, ...) are
optional in both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar, TypeVar, cast

from maternal.sms.codes import DANGER_SIGN_GROUPS, LANGUAGES, Code, lookup
from maternal.sms.errors import (
    EmptyMessage,
    Field,
    FieldError,
    Message,
    ParseError,
    UnknownKeyword,
    gettext_noop,
)

# --- Country rules (Rwanda) ---------------------------------------------------------------------
MAX_MESSAGE_LENGTH = 480  # three SMS parts; anything longer is not one report

ID_LENGTH = 16
NATIONALITY_DIGITS = "123"  # Rwandan, refugee, foreigner
FEMALE_DIGIT, MALE_DIGIT = "7", "8"
OLDEST_AGE, YOUNGEST_AGE = 60, 9  # the birth year in an ID must fit these ages
FALLBACK_PREFIX = "07"  # a volunteer's phone + ddmmyy stands for a woman without an ID
FALLBACK_DAYS = 5  # ... in a PRE sent within this many days of that date
SYSTEM_ID = re.compile(r"t[0-9]{3,6}")  # given in the reply to PRE NEW, e.g. T4821

LMP_MAX_WEEKS = 44
OLD_AGE, YOUNG_AGE = 35, 18  # the ages of the `ol` and `yg` risks
MAX_GRAVIDITY = 30
ANC_CONTACTS = 8  # WHO 2016 model; the national long form uses rounds anc2..anc4
PNC_VISITS = 5
MAX_CHILDREN = 6  # child numbers 01-06

FACILITY_PLACES = ("hc", "hp")
COMMUNITY_PLACES = ("ho", "or")
#: Other words for a keyword, as people type them: French and Kinyarwanda (README, "Choices").
KEYWORD_ALIASES = {
    "AIDE": "HELP",
    "UFASHA": "HELP",
    "PRESENT": "ON",
    "PRÉSENT": "ON",
    "NDAHARI": "ON",  # "I am here", the answer to a roll call
    "ABSENT": "OFF",
    "NDATASHYE": "OFF",  # "I am going home", said at the end of a shift
}
STANDS_ALONE = {"nr": Message.NR_NOT_ALONE, "np": Message.NP_NOT_ALONE}
YES_CODES = {"to": True, "nt": False, "hw": True, "nh": False, "yego": True, "oya": False}


@dataclass(frozen=True)
class Measure:
    """A measurement typed as prefix and number (wt55.5); `message` is its range error."""

    prefix: str
    field: Field
    minimum: Decimal
    maximum: Decimal
    message: Message = Message.OUT_OF_RANGE


MOTHER_WEIGHT = Measure("wt", Field.WEIGHT, Decimal(25), Decimal(200), Message.WEIGHT_RANGE)
BABY_WEIGHT = Measure("wt", Field.WEIGHT, Decimal("0.3"), Decimal(7), Message.WEIGHT_RANGE)
HEIGHT = Measure("ht", Field.HEIGHT, Decimal(100), Decimal(220))
MUAC = Measure("muac", Field.MUAC, Decimal(10), Decimal(50))


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
    birth_date: date | None = None


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


Command = (
    Registration
    | Approval
    | PregnancyReport
    | AncReport
    | RiskReport
    | RedAlert
    | AlertResult
    | BirthReport
    | PncReport
    | DeathReport
    | LossReport
    | DepartureReport
    | Acknowledgement
    | OnDuty
    | OffDuty
    | LanguageChoice
    | WhoAmI
    | HelpRequest
)


# --- Tokens and field parsers -------------------------------------------------------------------
# A field is a run of anything but spaces and "+"; a "+" starting a phone number (+250...) stays.
_TOKEN = re.compile(r"(?<!\S)\+[0-9]{10,13}(?![^\s+])|[^\s+]+")
_DIGITS = re.compile(r"[0-9]+")
_NUMBER = re.compile(r"\+?[0-9]+(?:[.,][0-9]+)?")
_DECIMAL = re.compile(r"[0-9]{1,4}(?:[.,][0-9]{1,3})?")
_SMALL_NUMBER = re.compile(r"[0-9]{1,2}")  # a child number, where a date would otherwise be
_DATE_PARTS = re.compile(r"([0-9]{1,2})[./-]([0-9]{1,2})[./-]([0-9]{4}|[0-9]{2})")
_DATE_DIGITS = re.compile(r"([0-9]{2})([0-9]{2})([0-9]{4}|[0-9]{2})")


class InvalidValue(ValueError):
    """Raised by a field parser; the reader records it against the field being read."""

    def __init__(self, message: Message, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = tuple((name, str(value)) for name, value in params.items())


def tokenize(text: str) -> list[str]:
    """Split a message into fields: spaces, tabs, newlines or "+" separate them, a trailing full
    stop is ignored. Case is kept (the keyword is upper-cased, fields lower-cased by parse)."""
    return _TOKEN.findall(text.strip().rstrip(".").strip())


#: What may follow the keyword in a hurried SMS ("RED.", "Red:", "PRE,") and is not part of it.
_KEYWORD_PUNCTUATION = ".,:;!?"


def keyword_of(text: str) -> str:
    """The keyword an SMS starts with, as the grammar reads it: the first field, upper-cased,
    without trailing punctuation, aliases resolved (``AIDE`` is ``HELP``); "" for an empty SMS.
    Everything that asks "which keyword is this?" asks here."""
    tokens = tokenize(text)
    if not tokens:
        return ""
    keyword = tokens[0].rstrip(_KEYWORD_PUNCTUATION).upper()
    return KEYWORD_ALIASES.get(keyword, keyword)


def looks_like_date(token: str) -> bool:
    return bool(_DATE_PARTS.fullmatch(token) or _DATE_DIGITS.fullmatch(token))


def parse_date(token: str, *, today: date) -> date:
    """DD.MM.YYYY, DD/MM/YYYY, DD-MM-YYYY, DDMMYYYY, or any of them with a two-digit year: 20YY,
    unless that is more than a year after today (then 19YY)."""
    match = _DATE_PARTS.fullmatch(token) or _DATE_DIGITS.fullmatch(token)
    if match is None:
        raise InvalidValue(Message.DATE_FORMAT)
    day, month, year = (int(part) for part in match.groups())
    if len(match.group(3)) == 2:
        year += 2000 if (2000 + year, month, day) <= (today.year + 1, today.month, today.day) else 1900
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidValue(Message.DATE_IMPOSSIBLE, token=_shown(token)) from None


def parse_national_id(token: str, *, today: date, female_only: bool = True) -> str:
    """A 16-digit national ID: nationality digit, birth year, sex digit, serial, check digits."""
    if not _DIGITS.fullmatch(token):
        raise InvalidValue(Message.ID_FORMAT)
    if len(token) != ID_LENGTH:
        raise InvalidValue(Message.ID_LENGTH, length=ID_LENGTH)
    if token[0] not in NATIONALITY_DIGITS:
        raise InvalidValue(Message.ID_NATIONALITY, allowed="/".join(NATIONALITY_DIGITS))
    birth_year = int(token[1:5])
    if not today.year - OLDEST_AGE <= birth_year <= today.year - YOUNGEST_AGE:
        raise InvalidValue(Message.ID_BIRTH_YEAR, year=birth_year)
    sexes = FEMALE_DIGIT if female_only else FEMALE_DIGIT + MALE_DIGIT
    if token[5] not in sexes:
        raise InvalidValue(Message.ID_SEX, digits="/".join(sexes))
    return token


def parse_mother_id(token: str, *, today: date, registering: bool = False) -> MotherId:
    """A mother's ID in any of its kinds. `registering` (PRE) allows NEW and holds the fallback ID
    to its window of FALLBACK_DAYS; other keywords accept a fallback ID whenever."""
    if token.lower() == "new":
        if not registering:
            raise InvalidValue(Message.ID_NEW_ONLY_IN_PRE)
        return MotherId("new", "NEW")
    if SYSTEM_ID.fullmatch(token.lower()):
        return MotherId("system", token.upper())
    if len(token) == ID_LENGTH and token.startswith(FALLBACK_PREFIX) and _DIGITS.fullmatch(token):
        try:
            registered = parse_date(token[-6:], today=today)
        except InvalidValue:
            raise InvalidValue(Message.FALLBACK_ID_DATE) from None
        if registering and not 0 <= (today - registered).days <= FALLBACK_DAYS:
            raise InvalidValue(Message.FALLBACK_ID_EXPIRED, days=FALLBACK_DAYS)
        return MotherId("fallback", token)
    return MotherId("national", parse_national_id(token, today=today))


def parse_int(token: str, *, minimum: int, maximum: int, prefix: str = "") -> int:
    """A whole number, optionally written after its letter (G3, P2)."""
    digits = token[len(prefix) :] if prefix and token.lower().startswith(prefix) else token
    if not _DIGITS.fullmatch(digits):
        raise InvalidValue(Message.NUMBER_EXPECTED)
    if len(digits) > len(str(maximum)) + 2 or not minimum <= int(digits) <= maximum:
        raise InvalidValue(Message.OUT_OF_RANGE, min=minimum, max=maximum)
    return int(digits)


def parse_digits(token: str) -> str:
    """A numeric code (facility, village), kept as text so leading zeros survive."""
    if not _DIGITS.fullmatch(token) or len(token) > 20:
        raise InvalidValue(Message.NUMBER_EXPECTED)
    return token


def parse_measure(measure: Measure, token: str) -> Decimal:
    """wt55.5 (or a bare 55.5, or 55,5) within the measure's range."""
    number = token[len(measure.prefix) :] if token.lower().startswith(measure.prefix) else token
    if not _DECIMAL.fullmatch(number):
        raise InvalidValue(Message.NUMBER_EXPECTED)
    value = Decimal(number.replace(",", "."))
    if not measure.minimum <= value <= measure.maximum:
        raise InvalidValue(measure.message, min=measure.minimum, max=measure.maximum)
    return value


def parse_phone(token: str) -> str:
    """10 to 13 digits, optionally after "+"; returned as typed."""
    if not re.fullmatch(r"\+?[0-9]{10,13}", token):
        raise InvalidValue(Message.PHONE_FORMAT)
    return token


def parse_language(token: str) -> str:
    try:
        return LANGUAGES[token.lower()]
    except KeyError:
        raise InvalidValue(Message.LANGUAGE) from None


def _field_error(field: Field, message: Message, params: tuple[tuple[str, str], ...] = ()) -> FieldError:
    """Errors carry plain strings (the enums' values), easy to compare, log and serialise."""
    return FieldError(field.value, message.value, params)


def _shown(token: str) -> str:
    """A typed token as echoed in a reply: short, so that all errors fit one SMS."""
    return token if len(token) <= 12 else token[:12] + "..."


def _round_number(token: str, group: str, maximum: int) -> int:
    """A round code (anc3, pnc2: its number is its last digit), or the plain number 1..maximum."""
    code = lookup(group, token)
    if code is not None:
        return int(code.code[-1])
    return parse_int(token, minimum=1, maximum=maximum)


# --- The reader ---------------------------------------------------------------------------------
T = TypeVar("T")


@dataclass(frozen=True)
class _Item:
    """One free-order token: kind is "code", a measure prefix, "number", "date" or "unknown"."""

    kind: str
    token: str
    code: Code | None = None


@dataclass
class _Tail:
    """The free-order tokens after the positional fields, classified, in the order typed."""

    items: list[_Item]

    def codes(self, *groups: str) -> tuple[str, ...]:
        found: list[str] = []
        for item in self.items:
            if item.code is not None and item.code.group in groups and item.code.code not in found:
                found.append(item.code.code)
        return tuple(found)

    def tokens(self, kind: str) -> list[str]:
        found: list[str] = []
        for item in self.items:
            if item.kind == kind and item.token not in found:
                found.append(item.token)
        return found


class _Reader:
    """Reads the fields of one message in order and records every error instead of stopping.

    A read that fails records its error and returns None; `finish()` raises before any command
    is built from such a value, so read functions can treat results as valid.
    """

    def __init__(self, tokens: Sequence[str], *, keyword: str, today: date) -> None:
        self.tokens = [token.lower() for token in tokens]
        self.position = 0
        self.keyword = keyword
        self.today = today
        self.errors: list[FieldError] = []
        self.partial: dict[str, object] = {}

    def error(self, field: Field, message: Message, **params: object) -> None:
        pairs = tuple((name, str(value)) for name, value in params.items())
        self.errors.append(_field_error(field, message, pairs))

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> str | None:
        token = self.peek()
        if token is not None:
            self.position += 1
        return token

    def check(self, field: Field, parser: Callable[[str], T], token: str) -> T:
        try:
            return parser(token)
        except InvalidValue as invalid:
            self.errors.append(_field_error(field, invalid.message, invalid.params))
            return cast(T, None)

    def read(self, field: Field, parser: Callable[[str], T]) -> T:
        """The next field, which is required."""
        token = self.take()
        if token is None:
            self.error(field, Message.MISSING_FIELD)
            return cast(T, None)
        return self.check(field, parser, token)

    def read_optional(self, field: Field, parser: Callable[[str], T]) -> T | None:
        token = self.take()
        return None if token is None else self.check(field, parser, token)

    def read_id(self, parser: Callable[[str], T]) -> T:
        """The ID field. An ID typed in its printed groups (1 1990 7 0012345 0 12) is joined."""
        token = self.peek()
        if token is not None and len(token) == 1 and _DIGITS.fullmatch(token):
            joined, end = token, self.position + 1
            while len(joined) < ID_LENGTH and end < len(self.tokens) and _DIGITS.fullmatch(self.tokens[end]):
                joined, end = joined + self.tokens[end], end + 1
            if len(joined) == ID_LENGTH:
                self.position = end
                return self.check(Field.ID, parser, joined)
        return self.read(Field.ID, parser)

    def mother_id(self, *, registering: bool = False) -> MotherId:
        return self.read_id(lambda token: parse_mother_id(token, today=self.today, registering=registering))

    def any_date(self, token: str) -> date:
        return parse_date(token, today=self.today)

    def past_date(self, token: str) -> date:
        value = parse_date(token, today=self.today)
        if value > self.today:
            raise InvalidValue(Message.DATE_IN_FUTURE)
        return value

    def tail(
        self,
        groups: Sequence[str],
        *,
        measures: Sequence[Measure] = (),
        numbers: bool = False,
        dates: bool = False,
        before: Sequence[str] = (),
    ) -> _Tail:
        """Classify every remaining token (and `before`, tokens taken early) as a code of
        `groups`, a measure (wt55, or "wt 55"), a date or a number if those are expected here,
        or unknown."""
        tokens = [*before, *self.tokens[self.position :]]
        self.position = len(self.tokens)
        prefixes = {measure.prefix for measure in measures}
        items: list[_Item] = []
        index = 0
        while index < len(tokens):
            token = tokens[index]
            if token in prefixes and index + 1 < len(tokens) and _NUMBER.fullmatch(tokens[index + 1]):
                index += 1
                token += tokens[index]
            items.append(self._classify(token, groups, prefixes, numbers=numbers, dates=dates))
            index += 1
        return _Tail(items)

    @staticmethod
    def _classify(
        token: str, groups: Sequence[str], prefixes: set[str], *, numbers: bool, dates: bool
    ) -> _Item:
        code = lookup(groups, token)
        if code is not None:
            return _Item("code", token, code)
        for prefix in prefixes:
            rest = token[len(prefix) :]
            if token.startswith(prefix) and (not rest or rest[0] in "0123456789.,"):
                return _Item(prefix, token)
        if dates and looks_like_date(token):
            return _Item("date", token)
        if numbers and _NUMBER.fullmatch(token):
            return _Item("number", token)
        return _Item("unknown", token)

    def reject_unknown(self, tail: _Tail) -> None:
        for token in tail.tokens("unknown"):
            if token[0].isalpha():
                self.error(Field.CODES, Message.UNKNOWN_CODE, code=_shown(token))
            else:
                self.error(Field.MESSAGE, Message.UNEXPECTED, token=_shown(token))

    def codes(self, tail: _Tail, group: str) -> tuple[str, ...]:
        """A list field of codes of one group."""
        found = tail.codes(group)
        self.stand_alone(found)
        return found

    def stand_alone(self, codes: tuple[str, ...]) -> None:
        """`nr` and `np` mean "nothing": they cannot go with other codes of their list."""
        for code in codes:
            if code in STANDS_ALONE and len(codes) > 1:
                self.error(Field.CODES, STANDS_ALONE[code])

    def one(
        self,
        tail: _Tail,
        group: str,
        field: Field,
        *,
        allowed: Sequence[str] | None = None,
        refusal: Message = Message.CODE_NOT_ALLOWED,
        required: bool = False,
    ) -> str | None:
        """A field holding at most one code of `group` (only `allowed` ones, if given)."""
        found = tail.codes(group)
        if len(found) > 1:
            self.error(field, Message.CONFLICTING_CODES, codes=" ".join(found))
            return None
        if not found:
            if required:
                self.error(field, Message.MISSING_FIELD)
            return None
        if allowed is not None and found[0] not in allowed:
            self.error(field, refusal, code=found[0], allowed="/".join(allowed))
            return None
        return found[0]

    def measure(self, tail: _Tail, measure: Measure) -> Decimal | None:
        found = tail.tokens(measure.prefix)
        if len(found) > 1:
            self.error(measure.field, Message.CONFLICTING_CODES, codes=" ".join(found))
            return None
        if not found:
            return None
        return self.check(measure.field, lambda token: parse_measure(measure, token), found[0])

    def single(self, tail: _Tail, kind: str, field: Field, parser: Callable[[str], T]) -> T | None:
        """At most one number or date in the free-order fields; more are unexpected."""
        found = tail.tokens(kind)
        for extra in found[1:]:
            self.error(Field.MESSAGE, Message.UNEXPECTED, token=_shown(extra))
        return self.check(field, parser, found[0]) if found else None

    def finish(self) -> None:
        """Reject what is left over, then raise every error found, if any."""
        for token in self.tokens[self.position :]:
            self.error(Field.MESSAGE, Message.UNEXPECTED, token=_shown(token))
        self.position = len(self.tokens)
        if self.errors:
            raise ParseError(self.errors, keyword=self.keyword, partial=self.partial)


# --- One grammar per keyword --------------------------------------------------------------------
def _read_registration(r: _Reader) -> Registration:
    national_id = r.read_id(lambda token: parse_national_id(token, today=r.today, female_only=False))
    facility_code = r.read(Field.FACILITY, parse_digits)
    village_code = r.read(Field.VILLAGE, parse_digits)
    language = r.read_optional(Field.LANGUAGE, parse_language)
    r.finish()
    return Registration(national_id, facility_code, village_code, language)


def _read_approval(r: _Reader) -> Approval:
    number = r.read(Field.NUMBER, lambda token: parse_int(token, minimum=1, maximum=10**9))
    r.finish()
    return Approval(number)


def _read_pregnancy(r: _Reader) -> PregnancyReport:
    mother_id = r.mother_id(registering=True)
    lmp = r.read(Field.LMP, r.past_date)
    if lmp is not None and (r.today - lmp).days > LMP_MAX_WEEKS * 7:
        r.error(Field.LMP, Message.LMP_TOO_OLD, weeks=LMP_MAX_WEEKS)
    next_token = r.peek()
    long_form = next_token is not None and looks_like_date(next_token)
    next_visit = r.read(Field.NEXT_VISIT, r.any_date) if long_form else None
    if next_visit is not None and next_visit < r.today:
        r.error(Field.NEXT_VISIT, Message.DATE_IN_PAST)
    gravidity = r.read(
        Field.GRAVIDITY,
        lambda token: parse_int(token, minimum=1, maximum=MAX_GRAVIDITY, prefix="g"),
    )
    parity = r.read(
        Field.PARITY,
        lambda token: parse_int(token, minimum=0, maximum=MAX_GRAVIDITY, prefix="p"),
    )
    if gravidity is not None and parity is not None and parity >= gravidity:
        r.error(Field.PARITY, Message.GRAVIDITY_BELOW_PARITY)
    tail = r.tail(
        ("previous_risk", "symptom", "place", "toilet", "handwashing"),
        measures=(MOTHER_WEIGHT, HEIGHT, MUAC),
        numbers=True,
    )
    r.reject_unknown(tail)
    risks = r.codes(tail, "previous_risk")
    _check_age_risks(r, mother_id, risks)
    symptoms = r.codes(tail, "symptom")
    place = r.one(tail, "place", Field.PLACE, allowed=FACILITY_PLACES)
    weight = r.measure(tail, MOTHER_WEIGHT)
    height = r.measure(tail, HEIGHT)
    toilet = r.one(tail, "toilet", Field.TOILET)
    handwashing = r.one(tail, "handwashing", Field.HANDWASHING)
    muac = r.measure(tail, MUAC)
    phone = r.single(tail, "number", Field.PHONE, parse_phone)
    r.finish()
    return PregnancyReport(
        mother_id=mother_id,
        last_menstrual_period=lmp,
        gravidity=gravidity,
        parity=parity,
        previous_risks=risks,
        symptoms=symptoms,
        next_visit_date=next_visit,
        place=place,
        mother_weight_kg=weight,
        height_cm=height,
        muac_cm=muac,
        has_toilet=YES_CODES.get(toilet or ""),
        has_handwashing=YES_CODES.get(handwashing or ""),
        mother_phone=phone,
        long_form=long_form,
    )


def _check_age_risks(r: _Reader, mother_id: MotherId | None, risks: tuple[str, ...]) -> None:
    """`ol` (35 or older) and `yg` (under 18) against each other and the ID's birth year. Only the
    year is known, so the age is one of two; only a certain mismatch is refused."""
    if "ol" in risks and "yg" in risks:
        r.error(Field.CODES, Message.OL_YG_CONTRADICT)
        return
    if mother_id is None or mother_id.kind != "national":
        return
    years = r.today.year - int(mother_id.value[1:5])  # the age is years or years - 1
    if "ol" in risks and years < OLD_AGE:
        r.error(Field.CODES, Message.AGE_MISMATCH, code="ol")
    if "yg" in risks and years - 1 >= YOUNG_AGE:
        r.error(Field.CODES, Message.AGE_MISMATCH, code="yg")


def _read_antenatal(r: _Reader) -> AncReport:
    mother_id = r.mother_id()
    visit_date = r.read(Field.DATE, r.past_date)
    contact = r.read(Field.VISIT, lambda token: _round_number(token, "anc_round", ANC_CONTACTS))
    tail = r.tail(("symptom", "place", *DANGER_SIGN_GROUPS), measures=(MOTHER_WEIGHT, MUAC))
    r.reject_unknown(tail)
    _refuse_emergencies(r, tail)
    symptoms = r.codes(tail, "symptom")
    place = r.one(tail, "place", Field.PLACE, allowed=FACILITY_PLACES)
    weight = r.measure(tail, MOTHER_WEIGHT)
    muac = r.measure(tail, MUAC)
    r.finish()
    return AncReport(mother_id, visit_date, contact, symptoms, place, weight, muac)


def _refuse_emergencies(r: _Reader, tail: _Tail) -> tuple[str, ...]:
    """A danger sign in a routine report (ANC, RISK, PNC) is an emergency: the reply says to send
    RED instead of calling it an unknown code."""
    emergencies = tail.codes(*DANGER_SIGN_GROUPS)
    for code in emergencies:
        r.error(Field.CODES, Message.EMERGENCY_CODE, code=code)
    return emergencies


def _read_risk(r: _Reader) -> RiskReport:
    mother_id = r.mother_id()
    tail = r.tail(("symptom", *DANGER_SIGN_GROUPS, "place"), measures=(MOTHER_WEIGHT,))
    r.reject_unknown(tail)
    emergencies = _refuse_emergencies(r, tail)
    symptoms = tail.codes("symptom")
    if "np" in symptoms:
        r.error(Field.CODES, Message.NP_NOT_IN_RISK)
    elif not symptoms and not emergencies:
        r.error(Field.CODES, Message.SYMPTOM_REQUIRED)
    location = r.one(tail, "place", Field.PLACE, allowed=COMMUNITY_PLACES)
    weight = r.measure(tail, MOTHER_WEIGHT)
    r.finish()
    return RiskReport(mother_id, symptoms, location, weight)


def _read_red_alert(r: _Reader) -> RedAlert:
    """Unknown codes do not stop an alert that has at least one valid danger sign."""
    mother_id = r.mother_id()
    tail = r.tail((*DANGER_SIGN_GROUPS, "place"), measures=(MOTHER_WEIGHT,))
    signs = tail.codes(*DANGER_SIGN_GROUPS)
    unknown = tuple(tail.tokens("unknown"))
    if not signs:
        r.reject_unknown(tail)
        r.error(Field.CODES, Message.DANGER_SIGN_REQUIRED)
    location = r.one(tail, "place", Field.PLACE, allowed=COMMUNITY_PLACES, refusal=Message.RED_PLACE)
    weight = r.measure(tail, MOTHER_WEIGHT)
    r.partial = {"danger_signs": signs, "unknown_codes": unknown, "location": location}
    r.finish()
    return RedAlert(mother_id, signs, unknown, location, weight)


def _read_alert_result(r: _Reader) -> AlertResult:
    mother_id = r.mother_id()
    tail = r.tail(("status", "intervention", "ambulance", "place", *DANGER_SIGN_GROUPS))
    r.reject_unknown(tail)
    statuses = tail.codes("status")
    if not statuses:
        r.error(Field.STATUS, Message.STATUS_REQUIRED)
    for pair in (("mw", "ms"), ("cw", "cs")):
        if set(pair) <= set(statuses):
            r.error(Field.STATUS, Message.CONFLICTING_CODES, codes=" ".join(pair))
    intervention = r.one(tail, "intervention", Field.INTERVENTION)
    ambulance = r.one(tail, "ambulance", Field.AMBULANCE)
    place = r.one(tail, "place", Field.PLACE)
    r.finish()
    return AlertResult(mother_id, statuses, intervention, ambulance, tail.codes(*DANGER_SIGN_GROUPS), place)


def _read_birth(r: _Reader) -> BirthReport:
    """Short form: one or more babies after the place. Long form: one baby, numbered by the child
    number that comes before the birth date."""
    mother_id = r.mother_id()
    next_token = r.peek()
    child_number = None
    if next_token is not None and _SMALL_NUMBER.fullmatch(next_token):
        child_number = r.read(Field.CHILD, lambda token: parse_int(token, minimum=1, maximum=MAX_CHILDREN))
    birth_date = r.read(Field.BIRTH_DATE, r.past_date)
    tail = r.tail(("place", "sex", "newborn_sign", "breastfeeding"), measures=(BABY_WEIGHT,), numbers=True)
    r.reject_unknown(tail)
    place = r.one(tail, "place", Field.PLACE, required=True)
    babies = _read_babies(r, tail, child_number)
    breastfeeding = r.one(tail, "breastfeeding", Field.BREASTFEEDING)
    r.finish()
    return BirthReport(mother_id, birth_date, place, babies, breastfeeding)


@dataclass
class _BabyDraft:
    sex: str | None = None
    weight: str | None = None
    signs: list[str] = field(default_factory=list)


def _read_babies(r: _Reader, tail: _Tail, child_number: int | None) -> tuple[Baby, ...]:
    """Babies follow one another as <sex> [weight] [signs]; a weight or sign typed before the
    first sex belongs to the first baby. The long form (with a child number) has one baby."""
    drafts: list[_BabyDraft] = []
    for item in tail.items:
        group = item.code.group if item.code else None
        is_weight = item.kind in (BABY_WEIGHT.prefix, "number")
        if group not in ("sex", "newborn_sign") and not is_weight:
            continue
        if not drafts or (group == "sex" and drafts[-1].sex is not None):
            drafts.append(_BabyDraft())
        baby = drafts[-1]
        if item.code and group == "sex":
            baby.sex = item.code.code
        elif item.code and group == "newborn_sign":
            baby.signs.append(item.code.code)
        elif baby.weight is None:
            baby.weight = item.token
        else:
            r.error(Field.MESSAGE, Message.UNEXPECTED, token=_shown(item.token))
    if not drafts:
        r.error(Field.SEX, Message.MISSING_FIELD)
    limit = 1 if child_number is not None else MAX_CHILDREN
    for extra in drafts[limit:]:
        r.error(Field.SEX, Message.UNEXPECTED, token=extra.sex)
    babies = []
    for number, draft in enumerate(drafts, start=1):
        if draft.sex is None:
            r.error(Field.SEX, Message.MISSING_FIELD)
        weight = None
        if draft.weight is not None:
            weight = r.check(Field.WEIGHT, lambda token: parse_measure(BABY_WEIGHT, token), draft.weight)
        signs = tuple(dict.fromkeys(draft.signs))
        r.stand_alone(signs)
        babies.append(Baby(child_number or number, draft.sex, weight, signs))
    return tuple(babies)


def _read_postnatal(r: _Reader) -> PncReport:
    """Short form: visit number then visit date. Long form: pncN, [yego|oya], then birth date."""
    mother_id = r.mother_id()
    next_token = r.peek()
    long_form = next_token is not None and lookup("pnc_round", next_token) is not None
    visit_number = r.read(Field.VISIT, lambda token: _round_number(token, "pnc_round", PNC_VISITS))
    answered = []
    if long_form and r.peek() is not None and lookup("pnc_facility", r.peek()):
        answered.append(r.take())
    day = r.read(Field.BIRTH_DATE if long_form else Field.DATE, r.past_date)
    tail = r.tail(("pnc_facility", "symptom", "intervention", "status", *DANGER_SIGN_GROUPS), before=answered)
    r.reject_unknown(tail)
    _refuse_emergencies(r, tail)
    done = r.one(tail, "pnc_facility", Field.PNC_FACILITY)
    symptoms = r.codes(tail, "symptom")
    intervention = r.one(tail, "intervention", Field.INTERVENTION)
    status = r.one(tail, "status", Field.STATUS, allowed=("mw", "ms"))
    r.finish()
    return PncReport(
        mother_id=mother_id,
        visit_number=visit_number,
        visit_date=None if long_form else day,
        birth_date=day if long_form else None,
        symptoms=symptoms,
        done_at_facility=YES_CODES.get(done or ""),
        intervention=intervention,
        mother_status=status,
    )


def _read_death(r: _Reader) -> DeathReport:
    """Short form: <death> [date], codes in any order. Long forms: <place> <md|sbd|mcc>, or
    <child-no> <birth-date> <place> <nd|cd> for a child."""
    mother_id = r.mother_id()
    next_token = r.peek()
    if next_token is not None and _SMALL_NUMBER.fullmatch(next_token):
        child_number = r.read(Field.CHILD, lambda token: parse_int(token, minimum=1, maximum=MAX_CHILDREN))
        birth_date = r.read(Field.BIRTH_DATE, r.past_date)
        tail = r.tail(("place", "death"))
        r.reject_unknown(tail)
        place = r.one(tail, "place", Field.PLACE)
        death = r.one(tail, "death", Field.DEATH, allowed=("nd", "cd"), required=True)
        r.finish()
        return DeathReport(mother_id, death, None, place, child_number, birth_date)
    tail = r.tail(("death", "place"), dates=True)
    r.reject_unknown(tail)
    death = r.one(tail, "death", Field.DEATH, required=True)
    day = r.single(tail, "date", Field.DATE, r.past_date)
    place = r.one(tail, "place", Field.PLACE)
    r.finish()
    return DeathReport(mother_id, death, day, place)


def _read_loss(r: _Reader) -> LossReport:
    mother_id = r.mother_id()
    day = r.read_optional(Field.DATE, r.past_date)
    r.finish()
    return LossReport(mother_id, day)


def _read_departure(r: _Reader) -> DepartureReport:
    mother_id = r.mother_id()
    village = r.read_optional(Field.VILLAGE, parse_digits)
    r.finish()
    return DepartureReport(mother_id, village)


def _read_acknowledgement(r: _Reader) -> Acknowledgement:
    number = r.read_optional(Field.NUMBER, lambda token: parse_int(token, minimum=1, maximum=10**9))
    r.finish()
    return Acknowledgement(number)


def _read_language(r: _Reader) -> LanguageChoice:
    language = r.read(Field.LANGUAGE, parse_language)
    r.finish()
    return LanguageChoice(language)


def _read_on_duty(r: _Reader) -> OnDuty:
    r.finish()
    return OnDuty()


def _read_off_duty(r: _Reader) -> OffDuty:
    r.finish()
    return OffDuty()


def _read_who(r: _Reader) -> WhoAmI:
    r.finish()
    return WhoAmI()


def _read_help(r: _Reader) -> HelpRequest:
    """Any word is accepted as the topic; the handler answers an unknown one with the list."""
    topic = r.take()
    r.finish()
    if topic is None:
        return HelpRequest()
    return HelpRequest(KEYWORD_ALIASES.get(topic.upper(), topic.upper()))


# --- Writing commands back as SMS text ----------------------------------------------------------
def _date_text(value: date | None) -> str | None:
    return None if value is None else f"{value.day:02d}.{value.month:02d}.{value.year:04d}"


def _measure_text(prefix: str, value: Decimal | None) -> str | None:
    return None if value is None else f"{prefix}{value}"


def _flag_text(value: bool | None, yes: str, no: str) -> str | None:
    return None if value is None else (yes if value else no)


def _sms(*parts: object) -> str:
    """Join fields with single spaces, leaving out absent ones; tuples are spread."""
    words: list[str] = []
    for part in parts:
        if isinstance(part, tuple):
            words.extend(str(item) for item in part)
        elif part is not None:
            words.append(str(part))
    return " ".join(words)


def _write_registration(c: Registration) -> str:
    language = c.language.upper() if c.language else None
    return _sms(c.keyword, c.national_id, c.facility_code, c.village_code, language)


def _write_pregnancy(c: PregnancyReport) -> str:
    return _sms(
        c.keyword,
        c.mother_id,
        _date_text(c.last_menstrual_period),
        _date_text(c.next_visit_date) if c.long_form else None,
        c.gravidity,
        c.parity,
        c.previous_risks,
        c.symptoms,
        c.place,
        _measure_text("wt", c.mother_weight_kg),
        _measure_text("ht", c.height_cm),
        _flag_text(c.has_toilet, "to", "nt"),
        _flag_text(c.has_handwashing, "hw", "nh"),
        _measure_text("muac", c.muac_cm),
        c.mother_phone,
    )


def _write_antenatal(c: AncReport) -> str:
    return _sms(
        c.keyword,
        c.mother_id,
        _date_text(c.visit_date),
        c.contact_number,
        c.symptoms,
        c.place,
        _measure_text("wt", c.mother_weight_kg),
        _measure_text("muac", c.muac_cm),
    )


def _write_risk(c: RiskReport) -> str:
    weight = _measure_text("wt", c.mother_weight_kg)
    return _sms(c.keyword, c.mother_id, c.symptoms, c.location, weight)


def _write_red_alert(c: RedAlert) -> str:
    weight = _measure_text("wt", c.mother_weight_kg)
    return _sms(c.keyword, c.mother_id, c.danger_signs, c.unknown_codes, c.location, weight)


def _write_alert_result(c: AlertResult) -> str:
    return _sms(c.keyword, c.mother_id, c.statuses, c.intervention, c.ambulance, c.danger_signs, c.place)


def _write_birth(c: BirthReport) -> str:
    numbered_in_order = all(baby.child_number == n for n, baby in enumerate(c.babies, start=1))
    child = None if numbered_in_order else f"{c.babies[0].child_number:02d}"
    babies = tuple(
        word
        for baby in c.babies
        for word in (baby.sex, _measure_text("wt", baby.weight_kg), *baby.signs)
        if word is not None
    )
    return _sms(c.keyword, c.mother_id, child, _date_text(c.birth_date), c.place, babies, c.breastfeeding)


def _write_postnatal(c: PncReport) -> str:
    answered = _flag_text(c.done_at_facility, "yego", "oya")
    if c.birth_date is not None:
        head: tuple[object, ...] = (f"pnc{c.visit_number}", answered, _date_text(c.birth_date))
    else:
        head = (c.visit_number, _date_text(c.visit_date), answered)
    return _sms(c.keyword, c.mother_id, *head, c.symptoms, c.intervention, c.mother_status)


def _write_death(c: DeathReport) -> str:
    if c.child_number is not None:
        child = (f"{c.child_number:02d}", _date_text(c.birth_date))
        return _sms(c.keyword, c.mother_id, *child, c.place, c.death)
    return _sms(c.keyword, c.mother_id, c.death, c.place, _date_text(c.date))


# --- The registry -------------------------------------------------------------------------------
@dataclass(frozen=True)
class KeywordGrammar:
    """One keyword: the command it builds, its help lines, how to read its fields and how to
    write a command back as text."""

    keyword: str
    command: type
    usage: str  # the short form, as HELP shows it
    read: Callable[[_Reader], Any]
    write: Callable[[Any], str]
    long_usage: str | None = None  # the national long form, also accepted

    def parse(self, fields: Sequence[str], *, today: date) -> Command:
        """The command for the fields after the keyword, or ParseError with every error."""
        return self.read(_Reader(fields, keyword=self.keyword, today=today))


GRAMMARS: dict[str, KeywordGrammar] = {
    grammar.keyword: grammar
    for grammar in (
        KeywordGrammar(
            keyword="REG",
            command=Registration,
            usage=gettext_noop("REG <your ID> <facility code> <village code> [RW|EN|FR]"),
            read=_read_registration,
            write=_write_registration,
        ),
        KeywordGrammar(
            keyword="YES",
            command=Approval,
            usage=gettext_noop("YES <registration number>"),
            read=_read_approval,
            write=lambda c: _sms("YES", c.registration_number),
        ),
        KeywordGrammar(
            keyword="PRE",
            command=PregnancyReport,
            usage=gettext_noop("PRE <ID|NEW> <LMP dd.mm.yyyy> <gravidity> <parity> [codes] [phone]"),
            long_usage=gettext_noop(
                "PRE <ID> <LMP> <next visit> <gravidity> <parity> <risks> <symptoms> <hc|hp>"
                " wt<kg> ht<cm> <to|nt> <hw|nh> [muac<cm>] [phone]"
            ),
            read=_read_pregnancy,
            write=_write_pregnancy,
        ),
        KeywordGrammar(
            keyword="ANC",
            command=AncReport,
            usage=gettext_noop("ANC <ID> <visit date> <contact 1-8> [symptoms]"),
            long_usage=gettext_noop(
                "ANC <ID> <visit date> <anc2|anc3|anc4> <symptoms> <hc|hp> wt<kg> [muac<cm>]"
            ),
            read=_read_antenatal,
            write=_write_antenatal,
        ),
        KeywordGrammar(
            keyword="RISK",
            command=RiskReport,
            usage=gettext_noop("RISK <ID> <symptoms> [ho|or] [wt<kg>]"),
            read=_read_risk,
            write=_write_risk,
        ),
        KeywordGrammar(
            keyword="RED",
            command=RedAlert,
            usage=gettext_noop("RED <ID> <danger signs> [ho|or] [wt<kg>]"),
            read=_read_red_alert,
            write=_write_red_alert,
        ),
        KeywordGrammar(
            keyword="RAR",
            command=AlertResult,
            usage=gettext_noop("RAR <ID> <mw|ms|cw|cs> [aa|pr|pt|tr] [al|at|na]"),
            long_usage=gettext_noop("RAR <ID> <danger signs> <ho|or|hc|hp> <al|at|na> <mw|ms>"),
            read=_read_alert_result,
            write=_write_alert_result,
        ),
        KeywordGrammar(
            keyword="BIR",
            command=BirthReport,
            usage=gettext_noop(
                "BIR <ID> <birth date> <ho|or|hc|hp> <bo|gi> [wt<kg>] [signs] [next baby...] [bf1|nb]"
            ),
            long_usage=gettext_noop(
                "BIR <ID> <child 01-06> <birth date> <bo|gi> <signs> <ho|or|hc|hp> <bf1|nb> wt<kg>"
            ),
            read=_read_birth,
            write=_write_birth,
        ),
        KeywordGrammar(
            keyword="PNC",
            command=PncReport,
            usage=gettext_noop("PNC <ID> <visit 1-5> <visit date> [symptoms]"),
            long_usage=gettext_noop(
                "PNC <ID> <pnc1-pnc5> [yego|oya] <birth date> <symptoms> <aa|pr|pt|tr> <mw|ms>"
            ),
            read=_read_postnatal,
            write=_write_postnatal,
        ),
        KeywordGrammar(
            keyword="DTH",
            command=DeathReport,
            usage=gettext_noop("DTH <ID> <md|sbd|mcc|nd|cd> [date]"),
            long_usage=gettext_noop(
                "DTH <ID> <place> <md|sbd|mcc> or DTH <ID> <child 01-06> <birth date> <place> <nd|cd>"
            ),
            read=_read_death,
            write=_write_death,
        ),
        KeywordGrammar(
            keyword="LOS",
            command=LossReport,
            usage=gettext_noop("LOS <ID> [date]"),
            read=_read_loss,
            write=lambda c: _sms("LOS", c.mother_id, _date_text(c.date)),
        ),
        KeywordGrammar(
            keyword="DEP",
            command=DepartureReport,
            usage=gettext_noop("DEP <ID> [new village code]"),
            read=_read_departure,
            write=lambda c: _sms("DEP", c.mother_id, c.new_village_code),
        ),
        KeywordGrammar(
            keyword="OK",
            command=Acknowledgement,
            usage=gettext_noop("OK [alert number]"),
            read=_read_acknowledgement,
            write=lambda c: _sms("OK", c.alert_number),
        ),
        KeywordGrammar(
            keyword="ON",
            command=OnDuty,
            usage=gettext_noop("ON"),
            read=_read_on_duty,
            write=lambda c: "ON",
        ),
        KeywordGrammar(
            keyword="OFF",
            command=OffDuty,
            usage=gettext_noop("OFF"),
            read=_read_off_duty,
            write=lambda c: "OFF",
        ),
        KeywordGrammar(
            keyword="LANG",
            command=LanguageChoice,
            usage=gettext_noop("LANG <RW|EN|FR>"),
            read=_read_language,
            write=lambda c: _sms("LANG", c.language.upper()),
        ),
        KeywordGrammar(
            keyword="WHO",
            command=WhoAmI,
            usage=gettext_noop("WHO"),
            read=_read_who,
            write=lambda c: "WHO",
        ),
        KeywordGrammar(
            keyword="HELP",
            command=HelpRequest,
            usage=gettext_noop("HELP [keyword]"),
            read=_read_help,
            write=lambda c: _sms("HELP", c.keyword),
        ),
    )
}
_GRAMMAR_OF_COMMAND = {grammar.command: grammar for grammar in GRAMMARS.values()}


# --- Entry points -------------------------------------------------------------------------------
def parse(text: str, *, today: date) -> Command:
    """The command an SMS stands for. Raises ParseError (UnknownKeyword, EmptyMessage) listing
    every error; never anything else, whatever the text."""
    text = text.strip()
    if len(text) > MAX_MESSAGE_LENGTH:
        raise ParseError([_field_error(Field.MESSAGE, Message.TOO_LONG)])
    tokens = tokenize(text)
    if not tokens:
        raise EmptyMessage([_field_error(Field.MESSAGE, Message.EMPTY)])
    grammar = GRAMMARS.get(keyword_of(text))
    if grammar is None:
        params = (("keyword", _shown(tokens[0])),)
        raise UnknownKeyword([_field_error(Field.KEYWORD, Message.UNKNOWN_KEYWORD, params)])
    return grammar.parse(tokens[1:], today=today)


def format_command(command: Command) -> str:
    """A command as canonical SMS text (dates DD.MM.YYYY) that parses back to the same command."""
    return _GRAMMAR_OF_COMMAND[type(command)].write(command)
