"""Rwanda's rules the grammar applies: national IDs, fallback IDs, ranges and limits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from maternal.sms.errors import (
    Field,
    Message,
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
