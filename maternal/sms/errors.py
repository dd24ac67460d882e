"""What the grammar says is wrong with a message: field ids, message ids and their English texts.

The grammar never composes reply text. It raises a ParseError listing FieldErrors; the handler
turns each into "<field label>: <message>" with gettext, in the sender's language. Every message
template is short (all of a message's errors must fit in one 160-character SMS) and filled with
`template % dict(error.params)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


def gettext_noop(message: str) -> str:
    """Marks a text for `makemessages` (which looks for this name) without translating it.
    Django's own gettext_noop reads settings; the grammar must import without them."""
    return message


class Field(StrEnum):
    """Which part of the message an error is about."""

    MESSAGE = "message"
    KEYWORD = "keyword"
    ID = "id"
    LMP = "lmp"
    NEXT_VISIT = "next_visit"
    DATE = "date"
    BIRTH_DATE = "birth_date"
    GRAVIDITY = "gravidity"
    PARITY = "parity"
    CODES = "codes"
    PHONE = "phone"
    PLACE = "place"
    WEIGHT = "weight"
    HEIGHT = "height"
    MUAC = "muac"
    TOILET = "toilet"
    HANDWASHING = "handwashing"
    FACILITY = "facility"
    VILLAGE = "village"
    LANGUAGE = "language"
    NUMBER = "number"
    VISIT = "visit"
    CHILD = "child"
    SEX = "sex"
    BREASTFEEDING = "breastfeeding"
    STATUS = "status"
    INTERVENTION = "intervention"
    AMBULANCE = "ambulance"
    PNC_FACILITY = "pnc_facility"
    DEATH = "death"


FIELD_LABELS: dict[str, str] = {
    Field.MESSAGE: gettext_noop("message"),
    Field.KEYWORD: gettext_noop("keyword"),
    Field.ID: gettext_noop("ID"),
    Field.LMP: gettext_noop("LMP"),
    Field.NEXT_VISIT: gettext_noop("next visit"),
    Field.DATE: gettext_noop("date"),
    Field.BIRTH_DATE: gettext_noop("birth date"),
    Field.GRAVIDITY: gettext_noop("gravidity"),
    Field.PARITY: gettext_noop("parity"),
    Field.CODES: gettext_noop("codes"),
    Field.PHONE: gettext_noop("phone"),
    Field.PLACE: gettext_noop("place"),
    Field.WEIGHT: gettext_noop("weight"),
    Field.HEIGHT: gettext_noop("height"),
    Field.MUAC: gettext_noop("MUAC"),
    Field.TOILET: gettext_noop("toilet"),
    Field.HANDWASHING: gettext_noop("hand-washing"),
    Field.FACILITY: gettext_noop("facility"),
    Field.VILLAGE: gettext_noop("village"),
    Field.LANGUAGE: gettext_noop("language"),
    Field.NUMBER: gettext_noop("number"),
    Field.VISIT: gettext_noop("visit"),
    Field.CHILD: gettext_noop("child"),
    Field.SEX: gettext_noop("sex"),
    Field.BREASTFEEDING: gettext_noop("breastfeeding"),
    Field.STATUS: gettext_noop("status"),
    Field.INTERVENTION: gettext_noop("intervention"),
    Field.AMBULANCE: gettext_noop("ambulance"),
    Field.PNC_FACILITY: gettext_noop("yego/oya"),
    Field.DEATH: gettext_noop("death"),
}


class Message(StrEnum):
    """Message ids: what is wrong with a field. Each has an English template in MESSAGES."""

    EMPTY = "empty"
    TOO_LONG = "too_long"
    UNKNOWN_KEYWORD = "unknown_keyword"
    MISSING_FIELD = "missing_field"
    UNEXPECTED = "unexpected"
    DATE_FORMAT = "date_format"
    DATE_IMPOSSIBLE = "date_impossible"
    DATE_IN_FUTURE = "date_in_future"
    DATE_IN_PAST = "date_in_past"
    LMP_TOO_OLD = "lmp_too_old"
    ID_FORMAT = "id_format"
    ID_LENGTH = "id_length"
    ID_NATIONALITY = "id_nationality"
    ID_BIRTH_YEAR = "id_birth_year"
    ID_SEX = "id_sex"
    ID_NEW_ONLY_IN_PRE = "id_new_only_in_pre"
    FALLBACK_ID_DATE = "fallback_id_date"
    FALLBACK_ID_EXPIRED = "fallback_id_expired"
    NUMBER_EXPECTED = "number_expected"
    OUT_OF_RANGE = "out_of_range"
    WEIGHT_RANGE = "weight_range"
    GRAVIDITY_BELOW_PARITY = "gravidity_below_parity"
    UNKNOWN_CODE = "unknown_code"
    CODE_NOT_ALLOWED = "code_not_allowed"
    CONFLICTING_CODES = "conflicting_codes"
    NR_NOT_ALONE = "nr_not_alone"
    NP_NOT_ALONE = "np_not_alone"
    NP_NOT_IN_RISK = "np_not_in_risk"
    OL_YG_CONTRADICT = "ol_yg_contradict"
    AGE_MISMATCH = "age_mismatch"
    EMERGENCY_CODE = "emergency_code"
    RED_PLACE = "red_place"
    DANGER_SIGN_REQUIRED = "danger_sign_required"
    SYMPTOM_REQUIRED = "symptom_required"
    STATUS_REQUIRED = "status_required"
    PHONE_FORMAT = "phone_format"
    LANGUAGE = "language"


MESSAGES: dict[str, str] = {
    Message.EMPTY: gettext_noop("empty; send HELP for the formats"),
    Message.TOO_LONG: gettext_noop("too long; send one report per SMS"),
    Message.UNKNOWN_KEYWORD: gettext_noop("%(keyword)s is not a keyword; send HELP"),
    Message.MISSING_FIELD: gettext_noop("missing"),
    Message.UNEXPECTED: gettext_noop("%(token)s not expected"),
    Message.DATE_FORMAT: gettext_noop("use dd.mm.yyyy"),
    Message.DATE_IMPOSSIBLE: gettext_noop("%(token)s does not exist"),
    Message.DATE_IN_FUTURE: gettext_noop("cannot be in the future"),
    Message.DATE_IN_PAST: gettext_noop("cannot be in the past"),
    Message.LMP_TOO_OLD: gettext_noop("more than %(weeks)s weeks ago"),
    Message.ID_FORMAT: gettext_noop("use the 16-digit ID or the T number"),
    Message.ID_LENGTH: gettext_noop("must have %(length)s digits"),
    Message.ID_NATIONALITY: gettext_noop("must start with %(allowed)s"),
    Message.ID_BIRTH_YEAR: gettext_noop("birth year %(year)s not possible"),
    Message.ID_SEX: gettext_noop("6th digit (sex) must be %(digits)s"),
    Message.ID_NEW_ONLY_IN_PRE: gettext_noop("NEW only in PRE; use the T number"),
    Message.FALLBACK_ID_DATE: gettext_noop("must end with the date ddmmyy"),
    Message.FALLBACK_ID_EXPIRED: gettext_noop("phone+date ID only within %(days)s days"),
    Message.NUMBER_EXPECTED: gettext_noop("must be a number"),
    Message.OUT_OF_RANGE: gettext_noop("must be %(min)s to %(max)s"),
    Message.WEIGHT_RANGE: gettext_noop("must be %(min)s to %(max)s kg"),
    Message.GRAVIDITY_BELOW_PARITY: gettext_noop("must be less than gravidity"),
    Message.UNKNOWN_CODE: gettext_noop("unknown code %(code)s"),
    Message.CODE_NOT_ALLOWED: gettext_noop("%(code)s not allowed, use %(allowed)s"),
    Message.CONFLICTING_CODES: gettext_noop("choose one of %(codes)s"),
    Message.NR_NOT_ALONE: gettext_noop("nr cannot go with other risks"),
    Message.NP_NOT_ALONE: gettext_noop("np cannot go with other codes"),
    Message.NP_NOT_IN_RISK: gettext_noop("np not allowed in RISK"),
    Message.OL_YG_CONTRADICT: gettext_noop("ol and yg contradict each other"),
    Message.AGE_MISMATCH: gettext_noop("%(code)s does not fit the ID birth year"),
    Message.EMERGENCY_CODE: gettext_noop("%(code)s is an emergency: send RED"),
    Message.RED_PLACE: gettext_noop("use ho or or (home, on the way)"),
    Message.DANGER_SIGN_REQUIRED: gettext_noop("at least one danger sign"),
    Message.SYMPTOM_REQUIRED: gettext_noop("at least one symptom"),
    Message.STATUS_REQUIRED: gettext_noop("at least one of mw ms cw cs"),
    Message.PHONE_FORMAT: gettext_noop("use 10 to 13 digits"),
    Message.LANGUAGE: gettext_noop("use RW, EN or FR"),
}


@dataclass(frozen=True)
class FieldError:
    """One thing wrong with one field: `message` is a Message id, `params` fill its template."""

    field: str
    message: str
    params: tuple[tuple[str, str], ...] = ()


class ParseError(Exception):
    """A message that cannot be read, with every error found, in the order of the fields.

    `keyword` is the keyword the message started with, when it was one. `partial` holds the
    fields that could be read despite the errors, by command field name, each of its field's type;
    RED fills it so that an emergency with a mistyped ID can still be escalated.
    """

    def __init__(
        self,
        errors: list[FieldError],
        keyword: str | None = None,
        partial: Mapping[str, Any] | None = None,
    ) -> None:
        self.errors = errors
        self.keyword = keyword
        self.partial: Mapping[str, Any] = partial or {}
        summary = "; ".join(f"{error.field}: {error.message}" for error in errors)
        super().__init__(f"{keyword or '?'}: {summary}")


class UnknownKeyword(ParseError):
    """The first word of the message is not a keyword (keyword is None)."""


class EmptyMessage(UnknownKeyword):
    """The message is empty or only spaces (its one error is Message.EMPTY)."""
