"""Splitting a message into fields, and parsing one field (dates, IDs, numbers, codes)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from maternal.codes import LANGUAGES, lookup
from maternal.sms.errors import (
    Field,
    FieldError,
    Message,
)
from maternal.sms.grammar.commands import (
    MotherId,
)
from maternal.sms.grammar.rules import (
    FALLBACK_DAYS,
    FALLBACK_PREFIX,
    FEMALE_DIGIT,
    ID_LENGTH,
    KEYWORD_ALIASES,
    MALE_DIGIT,
    NATIONALITY_DIGITS,
    OLDEST_AGE,
    SYSTEM_ID,
    YOUNGEST_AGE,
    Measure,
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
