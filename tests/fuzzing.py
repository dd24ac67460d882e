"""Generated SMS traffic for fuzzing the conversation (tests/test_fuzz.py, benchmarks/fuzz.py), and
the checks that show no message left a half-written record behind.

The generator writes well-formed messages of every keyword about a pool of mothers, then mutates
most of them the way phones and people do (a dropped, doubled or swapped field, a changed digit,
odd case, other separators, a message cut short, stray unicode), and adds some pure junk. It
learns from the system's replies (system IDs ``T4821``, alert and registration numbers) so that
follow-ups reach the records the earlier messages created. Everything is drawn from one seeded
``random.Random``: a failing run is replayed by its seed.
"""

from __future__ import annotations

import contextlib
import logging
import random
import re
import string
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, F, Q

from maternal import alerts
from maternal.models import (
    Alert,
    AuditEntry,
    Birth,
    Death,
    EscalationStep,
    Mother,
    Pregnancy,
    Reminder,
    RiskReport,
    Staff,
    Visit,
)
from maternal.schedules import antenatal_plan
from maternal.sms.grammar import GRAMMARS
from messaging import ratelimit
from messaging.models import InboundMessage, OutgoingMessage
from messaging.router import simulate
from tests.factories import FacilityFactory, ReporterFactory, StaffFactory, location_tree
from tests.services import ROOT

# --- the people who write ------------------------------------------------------------------------


@dataclass(frozen=True)
class Population:
    """Phones by kind, and the codes a volunteer may type for facility and village."""

    volunteers: tuple[str, ...]
    staff: tuple[str, ...]
    pending: tuple[str, ...]
    unknown: tuple[str, ...]
    facility_codes: tuple[str, ...]
    village_codes: tuple[str, ...]
    #: The pending volunteers' registration numbers (primary keys: not small on PostgreSQL, whose
    #: sequences are not reset between tests).
    registration_numbers: tuple[int, ...] = ()

    @property
    def phones(self) -> tuple[str, ...]:
        return self.volunteers + self.staff + self.pending + self.unknown


def build_population(*, volunteers: int, staff: int, pending: int, unknown: int) -> Population:
    """Two health centres in two districts (so catchment refusals happen), each with on-duty
    midwives, an in-charge and a district official, so that every escalation level has someone;
    most volunteers belong to the first centre. Unknown senders include identities that are not
    phone numbers at all, as a test page or a broken gateway sends."""
    places = [location_tree("1"), location_tree("2")]
    centres = [
        FacilityFactory.create(code=code, name=f"Fuzz health centre {code}", location=tree["village"])
        for code, tree in zip(("101", "202"), places, strict=True)
    ]
    for centre, tree in zip(centres, places, strict=True):
        centre.served_cells.add(tree["cell"])
    roles = [Staff.Role.MIDWIFE, Staff.Role.NURSE, Staff.Role.IN_CHARGE, Staff.Role.DISTRICT_OFFICIAL]
    staff_phones = []
    for n in range(staff):
        centre = centres[n % 2]
        role = roles[(n // 2) % len(roles)]
        member = StaffFactory.create(
            phone=f"+25072800{n:04d}",
            role=role,
            facility=None if role == Staff.Role.DISTRICT_OFFICIAL else centre,
            district=centre.district,
            language=("rw", "en", "fr")[n % 3],
        )
        staff_phones.append(str(member.phone))
    volunteer_phones = []
    for n in range(volunteers):
        centre = centres[0] if n % 5 else centres[1]
        volunteer = ReporterFactory.create(
            phone=f"+25078800{n:04d}", facility=centre, language=("rw", "en", "fr")[n % 3]
        )
        volunteer_phones.append(str(volunteer.phone))
    pending_phones, registration_numbers = [], []
    for n in range(pending):
        applicant = ReporterFactory.create(phone=f"+25073800{n:04d}", facility=centres[0], status="pending")
        pending_phones.append(str(applicant.phone))
        registration_numbers.append(applicant.pk)
    unknown_phones = [f"+25079800{n:04d}" for n in range(max(unknown - 2, 0))] + ["12345", "MTN"][:unknown]
    return Population(
        volunteers=tuple(volunteer_phones),
        staff=tuple(staff_phones),
        pending=tuple(pending_phones),
        registration_numbers=tuple(registration_numbers),
        unknown=tuple(unknown_phones),
        facility_codes=tuple(centre.code for centre in centres) + ("999",),
        village_codes=tuple(tree["village"].code for tree in places) + ("99999999",),
    )


# --- the messages ----------------------------------------------------------------------------------

DATE_FORMATS = ("%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y", "%d%m%Y", "%d.%m.%y", "%d/%m/%y")
SEPARATORS = ("  ", "\t", "+", "\n", " , ", " . ", "")
RISKS = ("gs", "mu", "hd", "rm", "ol", "yg", "kx", "yj", "lz", "nr")
SYMPTOMS = ("vo", "pc", "oe", "ns", "ma", "ja", "fp", "fe", "ds", "di", "sa", "rb", "hy", "ch", "af", "np")
DANGER_SIGNS = (
    "ap",
    "co",
    "he",
    "la",
    "mc",
    "pa",
    "ps",
    "sc",
    "sl",
    "un",
    "shb",
    "sfh",
    "cop",
    "hfp",
    "sbp",
    "con",
    "wu",
    "nt",
    "cdg",
    "xx",
)
NEWBORN_SIGNS = ("np", "pm", "cm", "ci", "rb", "af", "sb", "ib", "db")
# Lone surrogates cannot come through a gateway (it decodes UTF-8), so they are left out.
UNICODE_RANGES = (
    (0x00, 0x7F),
    (0x80, 0x2FF),
    (0x300, 0x36F),
    (0x590, 0x6FF),
    (0x2000, 0x206F),
    (0x4E00, 0x4FFF),
    (0xFE00, 0xFEFF),
    (0x1F300, 0x1F64F),
)
SYSTEM_ID = re.compile(r"\bT\d{4,5}\b")
MOTHER_ID = re.compile(r"\b(?:T\d{4,5}|[0-9]{16})\b")
#: How often each keyword is drawn: mostly reports, as in the field.
KEYWORD_WEIGHTS = {
    "PRE": 4,
    "ANC": 3,
    "BIR": 3,
    "PNC": 2,
    "RISK": 1,
    "RED": 1,
    "RAR": 1,
    "DTH": 1,
    "LOS": 1,
    "DEP": 1,
    "REG": 1,
    "YES": 1,
    "OK": 1,
    "ON": 0.3,
    "OFF": 0.3,
    "LANG": 0.5,
    "WHO": 0.5,
    "HELP": 0.5,
}
POSTNATAL_DATES = re.compile(r"\d\d\.\d\d, \d\d\.\d\d")  # a birth's reply lists the postnatal visits
ALERT_NUMBER = re.compile(r"\b(?:Alert|ALERT|alerte|Alerte|Ikibazo)\D{0,12}(\d+)")
REGISTRATION_NUMBER = re.compile(r"\b(?:Registration|registration|inscription|Inscription)\D{0,4}(\d+)")


@dataclass
class SmsFuzzer:
    """``next()`` gives the next ``(phone, text)``; ``learn(text)`` reads a reply the system sent."""

    population: Population
    seed: int = 0
    mothers: int = 150
    today: Callable[[], date] = date.today
    random: random.Random = field(init=False)
    mother_ids: list[str] = field(init=False)
    system_ids: list[str] = field(default_factory=list)
    known_mothers: list[str] = field(default_factory=list)
    #: Mothers whose birth a reply confirmed (it listed her postnatal visits): PNC, nd and cd need one.
    delivered_mothers: list[str] = field(default_factory=list)
    alert_numbers: list[int] = field(default_factory=list)
    registration_numbers: list[int] = field(default_factory=list)
    last: dict[str, str] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)
        self.mother_ids = [self.national_id("7") for _ in range(self.mothers)]
        self.registration_numbers.extend(self.population.registration_numbers)

    # -- pieces -------------------------------------------------------------------------------

    def national_id(self, sex: str) -> str:
        year = self.random.randint(1970, 2010)
        return f"{self.random.choice('123')}{year}{sex}{self.random.randrange(10**10):010d}"

    def mother(self, *, delivered: bool = False) -> str:
        if delivered and self.delivered_mothers and self.random.random() < 0.5:
            return self.random.choice(self.delivered_mothers[-50:])
        roll = self.random.random()
        if roll < 0.6 and self.known_mothers:  # one the system named in a reply: she exists
            return self.random.choice(self.known_mothers[-200:])
        if roll < 0.65 and self.system_ids:
            return self.random.choice(self.system_ids)
        if roll < 0.7:
            volunteer = self.random.choice(self.population.volunteers)
            return "0" + volunteer[4:13] + self.day(0, 8).strftime("%d%m%y")  # the national fallback ID
        return self.random.choice(self.mother_ids)

    def day(self, earliest: int, latest: int) -> date:
        """A date between ``latest`` and ``earliest`` days ago (negative: in the future)."""
        return self.today() - timedelta(days=self.random.randint(earliest, latest))

    def date_text(self, earliest: int, latest: int) -> str:
        return self.day(earliest, latest).strftime(self.random.choice(DATE_FORMATS))

    def some(self, codes: tuple[str, ...], most: int = 3) -> list[str]:
        return self.random.sample(codes, self.random.randint(0, most))

    def maybe(self, text: str, chance: float = 0.5) -> str:
        return text if self.random.random() < chance else ""

    def number(self, known: list[int]) -> int:
        if known and self.random.random() < 0.7:
            return self.random.choice(known[-20:])
        return self.random.randint(1, 60)

    # -- well-formed messages, one writer per keyword -----------------------------------------

    def valid(self, keyword: str) -> str:
        r = self.random
        pick = r.choice
        words: list[object]
        if keyword == "REG":
            words = [
                "REG",
                self.national_id(pick("78")),
                pick(self.population.facility_codes),
                pick(self.population.village_codes),
                self.maybe(pick(("RW", "EN", "FR", "kin"))),
            ]
        elif keyword == "YES":
            words = ["YES", self.number(self.registration_numbers)]
        elif keyword == "PRE":
            gravidity = r.randint(1, 7)
            mother = "NEW" if r.random() < 0.1 else self.mother()
            lmp = self.date_text(28, 300)  # a pregnancy is registered from 4 weeks
            if r.random() < 0.2:  # the national long form
                words = [
                    "PRE",
                    mother,
                    lmp,
                    self.date_text(-60, -1),
                    f"g{gravidity}",
                    f"p{r.randint(0, gravidity - 1)}",
                    pick(RISKS),
                    pick(SYMPTOMS),
                    pick(("hc", "hp")),
                    f"wt{r.randint(40, 90)}",
                    f"ht{r.randint(140, 180)}",
                    pick(("to", "nt")),
                    pick(("hw", "nh")),
                    self.maybe(f"muac{r.randint(18, 32)}"),
                ]
            else:
                words = [
                    "PRE",
                    mother,
                    lmp,
                    gravidity,
                    r.randint(0, gravidity - 1),
                    *self.some(RISKS, 2),
                    *self.some(SYMPTOMS, 2),
                    self.maybe(f"0788{r.randrange(10**6):06d}", 0.2),
                ]
        elif keyword == "ANC":
            contact = pick((str(r.randint(1, 8)), pick(("anc2", "anc3", "anc4"))))
            words = [
                "ANC",
                self.mother(),
                self.date_text(0, 60),
                contact,
                *self.some(SYMPTOMS, 2),
                self.maybe(pick(("hc", "hp")), 0.3),
                self.maybe(f"wt{r.randint(40, 90)}", 0.3),
            ]
        elif keyword == "RISK":
            words = ["RISK", self.mother(), *self.some(SYMPTOMS[:-1], 3), self.maybe(pick(("ho", "or")), 0.3)]
        elif keyword == "RED":
            words = ["RED", self.mother(), *self.some(DANGER_SIGNS, 3), self.maybe(pick(("ho", "or")), 0.3)]
        elif keyword == "RAR":
            words = [
                "RAR",
                self.mother(),
                pick(("mw", "ms")),
                self.maybe(pick(("cw", "cs"))),
                self.maybe(pick(("aa", "pr", "pt", "tr"))),
                self.maybe(pick(("al", "at", "na"))),
            ]
        elif keyword == "BIR":
            if r.random() < 0.2:
                words = [
                    "BIR",
                    self.mother(),
                    f"0{r.randint(1, 2)}",
                    self.date_text(0, 10),
                    pick(("bo", "gi")),
                    pick(NEWBORN_SIGNS),
                    pick(("ho", "or", "hc", "hp")),
                    pick(("bf1", "nb")),
                    f"wt{r.randint(1, 4)}.{r.randint(0, 9)}",
                ]
            else:
                babies = [
                    word
                    for _ in range(pick((1, 1, 1, 2)))
                    for word in (
                        pick(("bo", "gi")),
                        self.maybe(f"wt{r.randint(1, 4)}.{r.randint(0, 9)}"),
                        *self.some(NEWBORN_SIGNS, 1),
                    )
                ]
                words = [
                    "BIR",
                    self.mother(),
                    self.date_text(0, 10),
                    pick(("ho", "or", "hc", "hp")),
                    *babies,
                    self.maybe(pick(("bf1", "nb"))),
                ]
        elif keyword == "PNC":
            if r.random() < 0.2:
                words = [
                    "PNC",
                    self.mother(delivered=True),
                    f"pnc{r.randint(1, 5)}",
                    self.maybe(pick(("yego", "oya"))),
                    self.date_text(0, 20),
                    pick(SYMPTOMS),
                    pick(("aa", "pr", "pt", "tr")),
                    pick(("mw", "ms")),
                ]
            else:
                words = [
                    "PNC",
                    self.mother(delivered=True),
                    r.randint(1, 5),
                    self.date_text(0, 10),
                    *self.some(SYMPTOMS, 2),
                ]
        elif keyword == "DTH":
            if r.random() < 0.2:
                words = [
                    "DTH",
                    self.mother(delivered=True),
                    f"0{r.randint(1, 2)}",
                    self.date_text(0, 30),
                    pick(("ho", "or", "hc", "hp")),
                    pick(("nd", "cd")),
                ]
            else:
                words = [
                    "DTH",
                    self.mother(),
                    pick(("md", "sbd", "mcc", "nd", "cd")),
                    self.maybe(self.date_text(0, 10)),
                ]
        elif keyword == "LOS":
            words = ["LOS", self.mother(), self.maybe(self.date_text(0, 10))]
        elif keyword == "DEP":
            words = ["DEP", self.mother(), self.maybe(pick(self.population.village_codes))]
        elif keyword == "OK":
            words = ["OK", self.maybe(str(self.number(self.alert_numbers)), 0.8)]
        elif keyword == "LANG":
            words = ["LANG", pick(("RW", "EN", "FR", "kin", "fra"))]
        elif keyword == "WHO":
            words = ["WHO"]
        elif keyword == "ON":
            words = [pick(("ON", "on", "PRESENT", "Présent", "NDAHARI"))]
        elif keyword == "OFF":
            words = [pick(("OFF", "off", "ABSENT", "ndatashye"))]
        elif keyword == "HELP":
            words = ["HELP", self.maybe(pick((*GRAMMARS, "AIDE", "xyz")))]
        else:
            raise ValueError(keyword)
        return " ".join(str(word) for word in words if word != "")

    # -- mutations and junk ---------------------------------------------------------------------

    def mutate(self, text: str) -> str:
        r = self.random
        tokens = text.split(" ")
        kind = r.randrange(11)
        if kind == 0 and len(tokens) > 1:  # a dropped field
            del tokens[r.randrange(len(tokens))]
        elif kind == 1:  # a field typed twice
            i = r.randrange(len(tokens))
            tokens.insert(i, tokens[i])
        elif kind == 2 and len(tokens) > 2:  # two fields swapped
            i, j = r.sample(range(len(tokens)), 2)
            tokens[i], tokens[j] = tokens[j], tokens[i]
        elif kind == 3:  # a changed digit
            positions = [i for i, char in enumerate(text) if char.isdigit()]
            if positions:
                i = r.choice(positions)
                return text[:i] + r.choice(string.digits) + text[i + 1 :]
        elif kind == 4:  # odd case
            return "".join(char.upper() if r.random() < 0.5 else char.lower() for char in text)
        elif kind == 5:  # other separators
            return r.choice(SEPARATORS).join(tokens)
        elif kind == 6:  # cut short
            return text[: r.randrange(len(text) + 1)]
        elif kind == 7:  # a stray character anywhere
            i = r.randrange(len(text) + 1)
            return text[:i] + self.unicode_text(1) + text[i:]
        elif kind == 8:  # a trailing full stop, spaces around
            return f"  {text}. "
        elif kind == 9:  # the keyword misspelt
            tokens[0] = tokens[0][:-1] + r.choice(string.ascii_letters)
        else:  # a field from another message
            i = r.randrange(len(tokens))
            tokens[i] = r.choice(self.valid(r.choice(list(GRAMMARS))).split(" "))
        return " ".join(tokens)

    def unicode_text(self, length: int) -> str:
        chars = []
        for _ in range(length):
            low, high = self.random.choice(UNICODE_RANGES)
            chars.append(chr(self.random.randint(low, high)))
        return "".join(chars)

    def junk(self) -> str:
        r = self.random
        roll = r.random()
        if roll < 0.5:
            return self.unicode_text(r.randint(0, 60))
        if roll < 0.7:
            return r.choice(list(GRAMMARS)) + " " + self.unicode_text(r.randint(1, 40))
        if roll < 0.8:
            return "".join(r.choice(string.digits + " .") for _ in range(r.randint(1, 40)))
        if roll < 0.9:
            return self.valid(r.choice(list(GRAMMARS))) * r.randint(2, 12)  # too long for one report
        return r.choice(("", " ", ".", "+", "\x00", "OK OK OK", "RED", "REG", "YES", "HELP HELP"))

    # -- the stream ---------------------------------------------------------------------------------

    def sender(self) -> str:
        r = self.random.random()
        kinds = self.population
        if r < 0.70:
            return self.random.choice(kinds.volunteers)
        if r < 0.82:
            return self.random.choice(kinds.staff)
        if r < 0.90:
            return self.random.choice(kinds.pending)
        return self.random.choice(kinds.unknown)

    def next(self) -> tuple[str, str]:
        phone = self.sender()
        roll = self.random.random()
        if roll < 0.03 and phone in self.last:  # a gateway retry of this phone's last message
            return phone, self.last[phone]
        keyword = self.random.choices(list(KEYWORD_WEIGHTS), weights=list(KEYWORD_WEIGHTS.values()))[0]
        if phone in self.population.staff and self.random.random() < 0.5:  # their own keywords
            keyword = self.random.choice(("OK", "YES", "ON", "OFF"))
        if roll < 0.40:
            text = self.valid(keyword)
        elif roll < 0.85:
            text = self.mutate(self.valid(keyword))
        else:
            text = self.junk()
        self.last[phone] = text
        return phone, text

    def learn(self, reply: str) -> None:
        if POSTNATAL_DATES.search(reply):
            self.delivered_mothers.extend(MOTHER_ID.findall(reply))
        for mother_id in MOTHER_ID.findall(reply):
            if mother_id not in self.seen:
                self.seen.add(mother_id)
                self.known_mothers.append(mother_id)
                if SYSTEM_ID.fullmatch(mother_id):
                    self.system_ids.append(mother_id)
        self.alert_numbers.extend(int(number) for number in ALERT_NUMBER.findall(reply))
        self.registration_numbers.extend(int(number) for number in REGISTRATION_NUMBER.findall(reply))


# --- half-written records ------------------------------------------------------------------------


def half_written_records() -> list[str]:
    """Every record that only part of a business action wrote (one line each). A service is one
    transaction, so this list is empty unless a transaction boundary is wrong."""
    problems: list[str] = []
    for mother in Mother.objects.filter(pregnancies__isnull=True):
        problems.append(f"mother {mother.identifier} has no pregnancy")
    registrations = Mother.objects.annotate(
        pregnancies_count=Count("pregnancies", distinct=True),
        registrations=Count("history", filter=Q(history__action="pregnancy_registered"), distinct=True),
    ).exclude(pregnancies_count=F("registrations"))
    for mother in registrations:
        problems.append(
            f"mother {mother.identifier}: {mother.pregnancies_count} pregnancies, "
            f"{mother.registrations} registration audit entries"
        )
    problems += _reminder_problems()
    for alert in Alert.objects.annotate(steps=Count("escalation_steps")):
        if alert.steps != alerts.level_count(alert):
            problems.append(
                f"alert {alert.pk} has {alert.steps} escalation steps, not {alerts.level_count(alert)}"
            )
    audited_alerts = {
        int(summary.split()[1].rstrip(":"))
        for summary in AuditEntry.objects.filter(action="red_alert").values_list("summary", flat=True)
    }
    for pk in set(Alert.objects.values_list("pk", flat=True)) ^ audited_alerts:
        problems.append(f"alert {pk}: alert and audit entry disagree")
    answered = Alert.objects.exclude(status=Alert.Status.OPEN)
    for climbing in answered.filter(escalation_steps__status=EscalationStep.Status.PENDING).distinct():
        problems.append(f"alert {climbing.pk} is {climbing.status} but its ladder still climbs")
    for empty in Birth.objects.annotate(baby_count=Count("babies")).filter(baby_count=0):
        problems.append(f"birth {empty.pk} has no baby")
    for birth in Birth.objects.filter(pregnancy__status=Pregnancy.Status.ACTIVE):
        problems.append(f"birth {birth.pk} belongs to a pregnancy still active")
    counts = {
        "ANC visits": (Visit.objects.filter(kind=Visit.Kind.ANC), "anc_visit"),
        "PNC visits": (Visit.objects.filter(kind=Visit.Kind.PNC), "pnc_visit"),
        "risk reports": (RiskReport.objects.all(), "risk"),
        "deaths": (Death.objects.all(), "death_"),
    }
    for name, (rows, action) in counts.items():
        audits = AuditEntry.objects.filter(action__startswith=action).count()
        if rows.count() != audits:
            problems.append(f"{rows.count()} {name} but {audits} audit entries")
    if RiskReport.objects.filter(pregnancy__high_risk=False).exists():
        problems.append("a risk report left its pregnancy not high-risk")
    for staff in Staff.objects.filter(duty_changes__isnull=False).distinct():
        last = staff.duty_changes.order_by("-changed_at", "-pk").first()
        assert last is not None  # the query keeps staff with a duty history
        if (last.on_duty, last.changed_at) != (staff.on_duty, staff.on_duty_since):
            problems.append(f"staff {staff.phone}: duty state and its history disagree")
    unanswered = InboundMessage.objects.filter(reply="").exclude(keyword=ratelimit.RATE_LIMITED)
    for message in unanswered.iterator():
        if not known_bug(message.text):  # a known crash: counted among the server errors
            problems.append(f"inbound {message.pk} from {message.phone} has no reply")
    return problems


def _reminder_problems() -> list[str]:
    """A pregnancy's antenatal plan is written with it (all contacts still ahead at registration);
    a closed pregnancy has nothing left open, a delivered one only its postnatal contacts."""
    problems = []
    planned: dict[int, set[tuple[str, int]]] = {}
    still_open: dict[int, set[str]] = {}
    for pregnancy_id, kind, sequence, status in Reminder.objects.values_list(
        "pregnancy_id", "kind", "sequence", "status"
    ):
        if kind != Reminder.Kind.PNC:
            planned.setdefault(pregnancy_id, set()).add((kind, sequence))
        if status in (Reminder.Status.PLANNED, Reminder.Status.SENT):
            still_open.setdefault(pregnancy_id, set()).add(kind)
    for pk, lmp, edd, next_visit, registered_on, status in Pregnancy.objects.values_list(
        "pk", "last_menstrual_period", "expected_delivery_date", "next_visit_date", "registered_on", "status"
    ):
        expected = {
            (item.kind, item.sequence)
            for item in antenatal_plan(lmp, edd, next_visit_date=next_visit)
            if item.due_date >= registered_on
        }
        if planned.get(pk, set()) != expected:
            problems.append(
                f"pregnancy {pk}: reminders {sorted(planned.get(pk, set()))} != plan {sorted(expected)}"
            )
        open_kinds = still_open.get(pk, set())
        if status == Pregnancy.Status.DELIVERED and open_kinds - {Reminder.Kind.PNC}:
            problems.append(f"pregnancy {pk} delivered with antenatal reminders open")
        elif status not in (Pregnancy.Status.ACTIVE, Pregnancy.Status.DELIVERED) and open_kinds:
            problems.append(f"pregnancy {pk} is {status} with reminders open")
    return problems


# --- the run ---------------------------------------------------------------------------------------


class ErrorLog(logging.Handler):
    """Keeps what the system logged at ERROR or above while installed: a handler that catches an
    exception and answers "system error" hides a crash from the caller, not from its log."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    @contextlib.contextmanager
    def installed(self) -> Iterator[ErrorLog]:
        root = logging.getLogger()
        root.addHandler(self)
        try:
            yield self
        finally:
            root.removeHandler(self)


#: Inputs that hit a bug already reported to the owner of the code, each pinned by a strict xfail
#: in tests/test_fuzz.py. The fuzz test leaves them out so that it keeps finding new ones; the
#: benchmark sends them and counts their errors apart. Remove an entry when its bug is fixed.
KNOWN_BUGS: dict[str, Callable[[str], bool]] = {}


def known_bug(text: str) -> str | None:
    return next((name for name, hits in KNOWN_BUGS.items() if hits(text)), None)


@dataclass
class FuzzReport:
    """What went wrong, one line per message (with the phone and text to replay it)."""

    messages: int = 0
    exceptions: list[str] = field(default_factory=list)
    logged_errors: list[str] = field(default_factory=list)
    reply_problems: list[str] = field(default_factory=list)
    #: Distinct errors (exception type and where it was raised) and how often each happened.
    signatures: Counter[str] = field(default_factory=Counter)
    #: Messages left out (``skip_known_bugs``) or sent, by the known bug they hit.
    known_bugs: Counter[str] = field(default_factory=Counter)
    #: Of ``server_errors``, those raised by messages that hit a known bug.
    known_bug_errors: int = 0
    alerts_to_sender: int = 0

    @property
    def server_errors(self) -> int:
        return len(self.exceptions) + len(self.logged_errors)


def _signature(error: BaseException) -> str:
    frame = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
    where = f" at {frame.filename.removeprefix(str(ROOT) + '/')}:{frame.lineno}" if frame else ""
    return f"{type(error).__name__}{where}"


def fuzz(
    fuzzer: SmsFuzzer,
    count: int,
    *,
    clock: Callable[[timedelta], None],
    step: timedelta,
    deliver: Callable[[], contextlib.AbstractContextManager[object]] = contextlib.nullcontext,
    skip_known_bugs: bool = False,
    progress: Callable[[int, FuzzReport], None] | None = None,
) -> FuzzReport:
    """Send ``count`` generated messages through the real router, ``step`` apart on the clock, and
    check each one's answer: exactly one reply, to its sender, linked to its inbound record.
    ``deliver`` wraps each message (the tests run on-commit callbacks with it)."""
    report = FuzzReport()
    errors = ErrorLog()
    with errors.installed():
        for n in range(1, count + 1):
            phone, text = fuzzer.next()
            bug = known_bug(text)
            if bug:
                report.known_bugs[bug] += 1
            if not (bug and skip_known_bugs):
                before = report.server_errors
                _send_and_check(report, errors, fuzzer, deliver, phone, text)
                if bug:
                    report.known_bug_errors += report.server_errors - before
            report.messages = n
            clock(step)
            if progress:
                progress(n, report)
    return report


def _send_and_check(
    report: FuzzReport,
    errors: ErrorLog,
    fuzzer: SmsFuzzer,
    deliver: Callable[[], contextlib.AbstractContextManager[object]],
    phone: str,
    text: str,
) -> None:
    last_out = OutgoingMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    last_in = InboundMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    logged = len(errors.records)
    try:
        with deliver():
            simulate(phone=phone, text=text)
    except Exception as error:
        report.exceptions.append(f"{phone} {text!r}\n{traceback.format_exc()}")
        report.signatures[_signature(error)] += 1
    else:
        _check_answer(report, phone, text, last_in, last_out, fuzzer)
    for record in errors.records[logged:]:
        detail = "\n" + logging.Formatter().formatException(record.exc_info) if record.exc_info else ""
        report.logged_errors.append(f"{phone} {text!r}: {record.getMessage()}{detail}")
        cause = _signature(record.exc_info[1]) if record.exc_info and record.exc_info[1] else "no exception"
        report.signatures[f"logged {record.getMessage()!r}: {cause}"] += 1


def _check_answer(report: FuzzReport, phone: str, text: str, last_in: int, last_out: int, fuzzer: SmsFuzzer):
    inbound = InboundMessage.objects.filter(pk__gt=last_in).order_by("pk")
    sent = list(OutgoingMessage.objects.filter(pk__gt=last_out).order_by("pk"))
    for message in sent:
        fuzzer.learn(message.text)
    if len(inbound) != 1:
        report.reply_problems.append(f"{phone} {text!r}: {len(inbound)} inbound records")
        return
    received = inbound[0]
    replies = [message for message in sent if message.kind == OutgoingMessage.Kind.REPLY]
    if len(replies) != 1 or replies[0].phone != received.phone or replies[0].in_reply_to_id != received.pk:
        shown = [(message.phone, message.text) for message in replies]
        report.reply_problems.append(f"{phone} {text!r}: replies {shown}")
    elif not received.reply:
        report.reply_problems.append(f"{phone} {text!r}: the inbound record keeps no reply")
    report.alerts_to_sender += sum(
        1
        for message in sent
        if message.phone == received.phone and message.kind != OutgoingMessage.Kind.REPLY
    )
