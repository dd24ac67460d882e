"""Properties of the SMS grammar, checked on generated messages (hypothesis). No database."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from maternal import codes
from maternal.sms.errors import FIELD_LABELS, MESSAGES, ParseError
from maternal.sms.grammar import (
    GRAMMARS,
    Acknowledgement,
    AlertResult,
    AncReport,
    Approval,
    Baby,
    BirthReport,
    DeathReport,
    DepartureReport,
    HelpRequest,
    LanguageChoice,
    LossReport,
    MotherId,
    OffDuty,
    OnDuty,
    PncReport,
    PregnancyReport,
    RedAlert,
    Registration,
    RiskReport,
    WhoAmI,
    format_command,
    parse,
)

TODAY = date(2026, 3, 15)


def code_names(*groups: str) -> list[str]:
    return [code.code for group in groups for code in codes.codes_in(group)]


def subsets(names: list[str], *, min_size: int = 0) -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(st.sampled_from(names), unique=True, min_size=min_size, max_size=4).map(tuple)


def alone_or_others(alone: str, group: str) -> st.SearchStrategy[tuple[str, ...]]:
    """A code list where `alone` (nr, np) may only stand by itself."""
    others = [name for name in code_names(group) if name not in (alone, "ol", "yg")]
    return st.one_of(st.just((alone,)), subsets(others))


def decimals(low: int, high: int) -> st.SearchStrategy[Decimal]:
    """Numbers with one decimal between low/10 and high/10."""
    return st.integers(low, high).map(lambda tenths: Decimal(tenths).scaleb(-1))


def optional(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.none() | strategy


digits = st.text("0123456789", min_size=1, max_size=10)
past_dates = st.dates(date(2000, 1, 1), TODAY)
recent_dates = st.dates(TODAY - timedelta(days=300), TODAY)
phones = st.from_regex(r"(07[0-9]{8}|\+2507[0-9]{8})", fullmatch=True)


@st.composite
def national_ids(draw, sexes: str = "7") -> str:
    nationality = draw(st.sampled_from("123"))
    year = draw(st.integers(TODAY.year - 60, TODAY.year - 9))
    sex = draw(st.sampled_from(sexes))
    return f"{nationality}{year}{sex}{draw(st.from_regex(r'[0-9]{10}', fullmatch=True))}"


@st.composite
def fallback_ids(draw, dates: st.SearchStrategy[date]) -> MotherId:
    phone = draw(st.from_regex(r"07[0-9]{8}", fullmatch=True))
    registered = draw(dates)
    return MotherId("fallback", f"{phone}{registered:%d%m%y}")


mother_ids = st.one_of(
    national_ids().map(lambda value: MotherId("national", value)),
    st.from_regex(r"T[0-9]{3,6}", fullmatch=True).map(lambda value: MotherId("system", value)),
    fallback_ids(past_dates),
)
registering_ids = st.one_of(
    mother_ids.filter(lambda mother_id: mother_id.kind != "fallback"),
    fallback_ids(st.dates(TODAY - timedelta(days=5), TODAY)),
    st.just(MotherId("new", "NEW")),
)


@st.composite
def pregnancy_reports(draw) -> PregnancyReport:
    gravidity = draw(st.integers(1, 30))
    next_visit = draw(optional(st.dates(TODAY, TODAY + timedelta(days=365))))
    return PregnancyReport(
        mother_id=draw(registering_ids),
        last_menstrual_period=draw(st.dates(TODAY - timedelta(weeks=44), TODAY)),
        gravidity=gravidity,
        parity=draw(st.integers(0, gravidity - 1)),
        previous_risks=draw(alone_or_others("nr", "previous_risk")),
        symptoms=draw(alone_or_others("np", "symptom")),
        next_visit_date=next_visit,
        place=draw(optional(st.sampled_from(["hc", "hp"]))),
        mother_weight_kg=draw(optional(decimals(250, 2000))),
        height_cm=draw(optional(decimals(1000, 2200))),
        muac_cm=draw(optional(decimals(100, 500))),
        has_toilet=draw(optional(st.booleans())),
        has_handwashing=draw(optional(st.booleans())),
        mother_phone=draw(optional(phones)),
        long_form=next_visit is not None,
    )


@st.composite
def birth_reports(draw) -> BirthReport:
    def baby(number: int) -> Baby:
        return Baby(
            child_number=number,
            sex=draw(st.sampled_from(["bo", "gi"])),
            weight_kg=draw(optional(decimals(3, 70))),
            signs=draw(alone_or_others("np", "newborn_sign")),
        )

    long_form = draw(st.booleans())
    if long_form:
        babies = (baby(draw(st.integers(1, 6))),)
    else:
        babies = tuple(baby(number) for number in range(1, draw(st.integers(1, 3)) + 1))
    return BirthReport(
        mother_id=draw(mother_ids),
        birth_date=draw(recent_dates),
        place=draw(st.sampled_from(code_names("place"))),
        babies=babies,
        breastfeeding=draw(optional(st.sampled_from(["bf1", "nb"]))),
    )


@st.composite
def postnatal_reports(draw) -> PncReport:
    long_form = draw(st.booleans())
    day = draw(recent_dates)
    return PncReport(
        mother_id=draw(mother_ids),
        visit_number=draw(st.integers(1, 5)),
        visit_date=None if long_form else day,
        birth_date=day if long_form else None,
        symptoms=draw(alone_or_others("np", "symptom")),
        done_at_facility=draw(optional(st.booleans())),
        intervention=draw(optional(st.sampled_from(code_names("intervention")))),
        mother_status=draw(optional(st.sampled_from(["mw", "ms"]))),
    )


@st.composite
def death_reports(draw) -> DeathReport:
    place = draw(optional(st.sampled_from(code_names("place"))))
    if draw(st.booleans()):
        return DeathReport(
            mother_id=draw(mother_ids),
            death=draw(st.sampled_from(["nd", "cd"])),
            place=place,
            child_number=draw(st.integers(1, 6)),
            birth_date=draw(past_dates),
        )
    return DeathReport(
        mother_id=draw(mother_ids),
        death=draw(st.sampled_from(code_names("death"))),
        date=draw(optional(past_dates)),
        place=place,
    )


@st.composite
def alert_results(draw) -> AlertResult:
    mother = draw(st.sampled_from([(), ("mw",), ("ms",)]))
    child = draw(st.sampled_from([(), ("cw",), ("cs",)]))
    statuses = draw(st.permutations(mother + child).filter(bool)) if mother or child else ("mw",)
    return AlertResult(
        mother_id=draw(mother_ids),
        statuses=tuple(statuses),
        intervention=draw(optional(st.sampled_from(code_names("intervention")))),
        ambulance=draw(optional(st.sampled_from(code_names("ambulance")))),
        danger_signs=draw(subsets(code_names(*codes.DANGER_SIGN_GROUPS))),
        place=draw(optional(st.sampled_from(code_names("place")))),
    )


NOT_CODES = ["xx", "zz9", "qq", "55", "abc"]

commands = st.one_of(
    st.builds(
        Registration,
        national_id=national_ids(sexes="78"),
        facility_code=digits,
        village_code=digits,
        language=optional(st.sampled_from(["rw", "en", "fr"])),
    ),
    st.builds(Approval, registration_number=st.integers(1, 10**6)),
    pregnancy_reports(),
    st.builds(
        AncReport,
        mother_id=mother_ids,
        visit_date=past_dates,
        contact_number=st.integers(1, 8),
        symptoms=alone_or_others("np", "symptom"),
        place=optional(st.sampled_from(["hc", "hp"])),
        mother_weight_kg=optional(decimals(250, 2000)),
        muac_cm=optional(decimals(100, 500)),
    ),
    st.builds(
        RiskReport,
        mother_id=mother_ids,
        symptoms=subsets([name for name in code_names("symptom") if name != "np"], min_size=1),
        location=optional(st.sampled_from(["ho", "or"])),
        mother_weight_kg=optional(decimals(250, 2000)),
    ),
    st.builds(
        RedAlert,
        mother_id=mother_ids,
        danger_signs=subsets(code_names(*codes.DANGER_SIGN_GROUPS), min_size=1),
        unknown_codes=subsets(NOT_CODES),
        location=optional(st.sampled_from(["ho", "or"])),
        mother_weight_kg=optional(decimals(250, 2000)),
    ),
    alert_results(),
    birth_reports(),
    postnatal_reports(),
    death_reports(),
    st.builds(LossReport, mother_id=mother_ids, date=optional(past_dates)),
    st.builds(DepartureReport, mother_id=mother_ids, new_village_code=optional(digits)),
    st.builds(Acknowledgement, alert_number=optional(st.integers(1, 10**6))),
    st.builds(LanguageChoice, language=st.sampled_from(["rw", "en", "fr"])),
    st.just(WhoAmI()),
    st.just(OnDuty()),
    st.just(OffDuty()),
    st.builds(HelpRequest, keyword=optional(st.sampled_from(sorted(GRAMMARS)))),
)

# Pieces to break valid messages with: codes of every group, dates, numbers, junk.
junk_tokens = st.sampled_from(
    [
        *{code.code for group in codes.GROUPS for code in codes.codes_in(group)},
        *NOT_CODES,
        "NEW",
        "T12",
        "wt",
        "wtx",
        "wt999",
        "ht3",
        "muac",
        "31.02.2026",
        "01.01.2030",
        "2026",
        "010126",
        "0",
        "99",
        "+250788123456",
        "1199080012345678",
        "٣",
        "²",
        "😀",
        "\x00",
    ]
)


@st.composite
def damaged_messages(draw) -> str:
    """A valid message with some fields dropped, replaced or added."""
    words = format_command(draw(commands)).split(" ")
    for _ in range(draw(st.integers(1, 3))):
        position = draw(st.integers(0, len(words)))
        action = draw(st.sampled_from(["drop", "replace", "insert"]))
        if action == "insert" or position == len(words):
            words.insert(position, draw(junk_tokens))
        elif action == "replace" and position > 0:
            words[position] = draw(junk_tokens)
        elif position > 0:
            del words[position]
    return " ".join(words)


def check_errors(error: ParseError) -> None:
    assert error.errors
    for field_error in error.errors:
        assert field_error.message in MESSAGES
        assert field_error.field in FIELD_LABELS
        MESSAGES[field_error.message] % dict(field_error.params)  # every placeholder is filled


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=600), today=st.dates(date(2000, 1, 1), date(2100, 12, 31)))
def test_any_text_gives_a_command_or_a_parse_error(text, today):
    try:
        parse(text, today=today)
    except ParseError as error:
        check_errors(error)


@settings(max_examples=300, deadline=None)
@given(text=st.lists(junk_tokens | st.sampled_from(sorted(GRAMMARS)), max_size=12).map(" ".join))
def test_any_mix_of_keywords_and_codes_gives_a_command_or_a_parse_error(text):
    try:
        parse(text, today=TODAY)
    except ParseError as error:
        check_errors(error)


@settings(max_examples=400, deadline=None)
@given(command=commands)
def test_a_written_command_reads_back_as_the_same_command(command):
    assert parse(format_command(command), today=TODAY) == command


@settings(max_examples=300, deadline=None)
@given(text=damaged_messages())
def test_every_error_of_a_damaged_message_has_a_message_text(text):
    try:
        parse(text, today=TODAY)
    except ParseError as error:
        check_errors(error)
