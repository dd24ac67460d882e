"""One grammar per keyword: how to read its fields into a command, and how to write a command
back as SMS text."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from maternal.codes import DANGER_SIGN_GROUPS, lookup
from maternal.sms.errors import (
    Field,
    Message,
)
from maternal.sms.grammar.commands import (
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
)
from maternal.sms.grammar.fields import (
    _SMALL_NUMBER,
    _round_number,
    _shown,
    looks_like_date,
    parse_digits,
    parse_int,
    parse_language,
    parse_measure,
    parse_national_id,
    parse_phone,
)
from maternal.sms.grammar.reader import _Reader, _Tail
from maternal.sms.grammar.rules import (
    ANC_CONTACTS,
    BABY_WEIGHT,
    COMMUNITY_PLACES,
    FACILITY_PLACES,
    HEIGHT,
    KEYWORD_ALIASES,
    LMP_MAX_WEEKS,
    MAX_CHILDREN,
    MAX_GRAVIDITY,
    MOTHER_WEIGHT,
    MUAC,
    OLD_AGE,
    PNC_VISITS,
    YES_CODES,
    YOUNG_AGE,
)


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
        if draft.sex is not None:  # else the error above makes `finish()` raise
            babies.append(Baby(child_number or number, draft.sex, weight, signs))
    return tuple(babies)


def _read_postnatal(r: _Reader) -> PncReport:
    """Short form: visit number then visit date. Long form: pncN, [yego|oya], then birth date."""
    mother_id = r.mother_id()
    next_token = r.peek()
    long_form = next_token is not None and lookup("pnc_round", next_token) is not None
    visit_number = r.read(Field.VISIT, lambda token: _round_number(token, "pnc_round", PNC_VISITS))
    answered = []
    following = r.peek()
    if long_form and following is not None and lookup("pnc_facility", following):
        answered.append(following)
        r.take()
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
