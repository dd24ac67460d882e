"""The SMS grammar: text in, a typed command or every wrong field out. No database."""

from datetime import date
from decimal import Decimal

import pytest

from maternal import codes
from maternal.sms.errors import (
    FIELD_LABELS,
    MESSAGES,
    EmptyMessage,
    Field,
    Message,
    ParseError,
    UnknownKeyword,
)
from maternal.sms.grammar import (
    GRAMMARS,
    AlertResult,
    AncReport,
    Baby,
    BirthReport,
    DeathReport,
    HelpRequest,
    MotherId,
    PregnancyReport,
    RedAlert,
    RiskReport,
    format_command,
    keyword_of,
    parse,
)

TODAY = date(2026, 3, 15)
MOTHER = "1199070012345678"  # Rwandan, born 1990, female
MAN = "1199080012345678"
GIRL = "1201070012345678"  # born 2010: 15 or 16
OLDER = "1198970012345678"  # born 1989: 36 or 37
THIRTY = "1199670012345678"  # born 1996: 29 or 30
MOTHER_ID = MotherId("national", MOTHER)

# The GSM 03.38 basic alphabet (without the escape-table characters).
GSM = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


def read(text: str):
    return parse(text, today=TODAY)


def errors_of(text: str) -> list[tuple[str, str]]:
    with pytest.raises(ParseError) as caught:
        read(text)
    return [(error.field, error.message) for error in caught.value.errors]


def params_of(text: str) -> list[dict[str, str]]:
    with pytest.raises(ParseError) as caught:
        read(text)
    return [dict(error.params) for error in caught.value.errors]


# --- Tolerance ----------------------------------------------------------------------------------
def test_fields_may_be_separated_by_several_spaces_tabs_and_newlines():
    assert read(f"  PRE   {MOTHER}\t01.02.2026\n3  2 ") == read(f"PRE {MOTHER} 01.02.2026 3 2")


def test_fields_may_be_separated_by_plus_signs():
    assert read(f"PRE+{MOTHER}+01.02.2026+3+2") == read(f"PRE {MOTHER} 01.02.2026 3 2")


def test_a_trailing_full_stop_is_ignored():
    assert read(f"LOS {MOTHER} 01.03.2026.").date == date(2026, 3, 1)


def test_keywords_and_codes_are_case_insensitive():
    report = read(f"pre {MOTHER} 01.02.2026 3 2 GS Vo")
    assert (report.previous_risks, report.symptoms) == (("gs",), ("vo",))


def test_a_plus_starting_a_phone_number_is_kept():
    assert read(f"PRE {MOTHER} 01.02.2026 3 2 +250788123456").mother_phone == "+250788123456"


@pytest.mark.parametrize("typed", ["01.02.2026", "01/02/2026", "01-02-2026", "1.2.2026", "01022026"])
def test_dates_may_be_written_in_any_usual_way(typed):
    assert read(f"LOS {MOTHER} {typed}").date == date(2026, 2, 1)


@pytest.mark.parametrize("typed", ["01.02.26", "01/02/26", "010226"])
def test_a_two_digit_year_is_in_this_century(typed):
    assert read(f"LOS {MOTHER} {typed}").date == date(2026, 2, 1)


def test_a_two_digit_year_more_than_a_year_ahead_is_in_the_last_century():
    assert read(f"LOS {MOTHER} 01.02.99").date == date(1999, 2, 1)


def test_a_bare_year_is_not_a_date():
    assert errors_of(f"LOS {MOTHER} 2026") == [("date", "date_format")]


def test_an_impossible_date_is_refused():
    assert errors_of(f"LOS {MOTHER} 31.02.2026") == [("date", "date_impossible")]


def test_an_id_typed_in_its_printed_groups_is_read_as_one():
    assert read("LOS 1 1990 7 0012345 6 78").mother_id == MOTHER_ID


# --- Whole-message errors -----------------------------------------------------------------------
@pytest.mark.parametrize("text", ["", "   ", "\n\t", ".", "+"])
def test_empty_text_is_an_empty_message(text):
    with pytest.raises(EmptyMessage) as caught:
        read(text)
    assert caught.value.errors[0].message == "empty"


def test_an_unknown_first_word_is_an_unknown_keyword():
    with pytest.raises(UnknownKeyword) as caught:
        read("HELLO nurse")
    assert caught.value.keyword is None
    assert dict(caught.value.errors[0].params) == {"keyword": "HELLO"}


@pytest.mark.parametrize("keyword", ["RED.", "Red:", "red,", "RED!"])
def test_a_keyword_followed_by_punctuation_is_that_keyword(keyword):
    assert keyword_of(f"{keyword} 1199870012345678 he") == "RED"
    assert isinstance(read(f"{keyword} 1199870012345678 he"), RedAlert)


def test_the_keyword_of_an_alias_is_the_keyword_it_stands_for():
    assert keyword_of("ufasha pre") == "HELP"


def test_text_longer_than_480_characters_is_refused_unread():
    assert errors_of("WHO " + "x" * 480) == [("message", "too_long")]


def test_a_keyword_with_missing_fields_names_each_of_them():
    assert errors_of("PRE") == [
        ("id", "missing_field"),
        ("lmp", "missing_field"),
        ("gravidity", "missing_field"),
        ("parity", "missing_field"),
    ]


def test_every_error_is_reported_in_field_order():
    errors = errors_of(f"PRE {MAN} 01.02.2027 x 2 zz 12")
    assert errors == [
        ("id", "id_sex"),
        ("lmp", "date_in_future"),
        ("gravidity", "number_expected"),
        ("codes", "unknown_code"),
        ("phone", "phone_format"),
    ]


def test_a_parse_error_names_its_keyword():
    with pytest.raises(ParseError) as caught:
        read("ANC T123")
    assert caught.value.keyword == "ANC"


# --- Mother IDs ---------------------------------------------------------------------------------
def test_a_national_id_must_have_16_digits():
    assert errors_of("LOS 119907001234567") == [("id", "id_length")]


def test_a_national_id_must_start_with_a_nationality_digit():
    assert errors_of("LOS 4199070012345678") == [("id", "id_nationality")]


@pytest.mark.parametrize("birth_year", ["1960", "2020"])
def test_a_national_id_birth_year_must_be_a_possible_age(birth_year):
    assert errors_of(f"LOS 1{birth_year}70012345678") == [("id", "id_birth_year")]


def test_a_mother_id_must_be_a_woman_s():
    assert errors_of(f"LOS {MAN}") == [("id", "id_sex")]


def test_an_id_that_is_neither_digits_nor_a_system_id_is_refused():
    assert errors_of("LOS abc") == [("id", "id_format")]


def test_a_system_id_is_read_in_upper_case():
    assert read("LOS t4821").mother_id == MotherId("system", "T4821")


def test_new_is_accepted_in_pre():
    assert read("PRE NEW 01.02.2026 1 0").mother_id == MotherId("new", "NEW")


def test_new_is_refused_outside_pre():
    assert errors_of("ANC new 01.03.2026 2") == [("id", "id_new_only_in_pre")]


def test_a_fallback_id_is_accepted_in_pre_within_five_days_of_its_date():
    assert read("PRE 0788123456100326 01.02.2026 1 0").mother_id.kind == "fallback"


def test_a_fallback_id_older_than_five_days_is_refused_in_pre():
    assert errors_of("PRE 0788123456090326 01.02.2026 1 0") == [("id", "fallback_id_expired")]


def test_a_fallback_id_is_accepted_whenever_outside_pre():
    assert read("ANC 0788123456010126 01.03.2026 2").mother_id.kind == "fallback"


def test_a_fallback_id_must_end_with_a_real_date():
    assert errors_of("ANC 0788123456310226 01.03.2026 2") == [("id", "fallback_id_date")]


# --- REG, YES -----------------------------------------------------------------------------------
def test_registration_reads_id_facility_village_and_language():
    command = read(f"REG {MOTHER} 0101 10101010 FR")
    assert (command.national_id, command.facility_code, command.village_code) == (
        MOTHER,
        "0101",
        "10101010",
    )
    assert command.language == "fr"


def test_registration_accepts_a_man_s_id():
    assert read(f"REG {MAN} 101 1010").national_id == MAN


def test_registration_language_is_optional():
    assert read(f"REG {MOTHER} 101 1010").language is None


@pytest.mark.parametrize("typed, language", [("KIN", "rw"), ("rw", "rw"), ("ENG", "en"), ("fra", "fr")])
def test_registration_accepts_the_usual_spellings_of_a_language(typed, language):
    assert read(f"REG {MOTHER} 101 1010 {typed}").language == language


def test_registration_refuses_an_unknown_language():
    assert errors_of(f"REG {MOTHER} 101 1010 DE") == [("language", "language")]


def test_registration_needs_numeric_facility_and_village_codes():
    assert errors_of(f"REG {MOTHER} abc") == [
        ("facility", "number_expected"),
        ("village", "missing_field"),
    ]


def test_approval_reads_the_registration_number():
    assert read("YES 7").registration_number == 7


def test_approval_needs_a_number():
    assert errors_of("YES seven") == [("number", "number_expected")]


# --- PRE ----------------------------------------------------------------------------------------
def test_pregnancy_short_form():
    assert read(f"PRE {MOTHER} 01.02.2026 3 2") == PregnancyReport(
        mother_id=MOTHER_ID, last_menstrual_period=date(2026, 2, 1), gravidity=3, parity=2
    )


def test_pregnancy_short_form_takes_risks_and_symptoms_in_any_order_and_a_phone():
    report = read(f"PRE {MOTHER} 01.02.2026 3 2 vo gs ma hd 0788123456")
    assert report.previous_risks == ("gs", "hd")
    assert report.symptoms == ("vo", "ma")
    assert report.mother_phone == "0788123456"
    assert not report.long_form


def test_pregnancy_national_long_form():
    report = read(
        f"PRE {MOTHER} 01.02.2026 20.03.2026 3 2 gs hd vo ma hc wt55.5 ht160 nt nh muac23.5 0788123456"
    )
    assert report == PregnancyReport(
        mother_id=MOTHER_ID,
        last_menstrual_period=date(2026, 2, 1),
        gravidity=3,
        parity=2,
        previous_risks=("gs", "hd"),
        symptoms=("vo", "ma"),
        next_visit_date=date(2026, 3, 20),
        place="hc",
        mother_weight_kg=Decimal("55.5"),
        height_cm=Decimal("160"),
        muac_cm=Decimal("23.5"),
        has_toilet=False,
        has_handwashing=False,
        mother_phone="0788123456",
        long_form=True,
    )


def test_pregnancy_long_form_with_no_risk_and_no_problem():
    report = read(f"PRE {MOTHER} 01.02.2026 20.03.2026 1 0 nr np hp wt60 ht155 to hw")
    assert (report.previous_risks, report.symptoms, report.has_toilet) == (("nr",), ("np",), True)


def test_pregnancy_measure_may_be_typed_apart_from_its_letters():
    assert read(f"PRE {MOTHER} 01.02.2026 1 0 wt 55,5").mother_weight_kg == Decimal("55.5")


def test_gravidity_and_parity_may_carry_their_letters_and_are_compared_as_numbers():
    report = read(f"PRE {MOTHER} 01.02.2026 G10 P9")
    assert (report.gravidity, report.parity) == (10, 9)


def test_an_lmp_in_the_future_is_refused():
    assert errors_of(f"PRE {MOTHER} 16.03.2026 1 0") == [("lmp", "date_in_future")]


def test_an_lmp_more_than_44_weeks_ago_is_refused():
    assert errors_of(f"PRE {MOTHER} 01.05.2025 1 0") == [("lmp", "lmp_too_old")]


def test_parity_must_be_below_gravidity():
    assert errors_of(f"PRE {MOTHER} 01.02.2026 2 2") == [("parity", "gravidity_below_parity")]


def test_gravidity_must_be_at_least_one():
    assert params_of(f"PRE {MOTHER} 01.02.2026 0 0")[0] == {"min": "1", "max": "30"}


def test_nr_must_stand_alone_among_risks():
    assert errors_of(f"PRE {MOTHER} 01.02.2026 3 2 nr gs") == [("codes", "nr_not_alone")]


def test_np_must_stand_alone_among_symptoms():
    assert errors_of(f"PRE {MOTHER} 01.02.2026 3 2 np vo") == [("codes", "np_not_alone")]


def test_ol_and_yg_contradict_each_other():
    assert errors_of("PRE NEW 01.02.2026 3 2 ol yg") == [("codes", "ol_yg_contradict")]


def test_ol_must_fit_the_birth_year_of_the_id():
    assert errors_of(f"PRE {THIRTY} 01.02.2026 3 2 ol") == [("codes", "age_mismatch")]


def test_yg_must_fit_the_birth_year_of_the_id():
    assert errors_of(f"PRE {MOTHER} 01.02.2026 3 2 yg") == [("codes", "age_mismatch")]


def test_ol_and_yg_are_accepted_when_the_id_agrees():
    assert read(f"PRE {OLDER} 01.02.2026 3 2 ol").previous_risks == ("ol",)
    assert read(f"PRE {GIRL} 01.02.2026 1 0 yg").previous_risks == ("yg",)


def test_an_unknown_code_is_named():
    assert params_of(f"PRE {MOTHER} 01.02.2026 3 2 gs qq") == [{"code": "qq"}]


def test_a_red_alert_code_is_unknown_in_pre():
    assert errors_of(f"PRE {MOTHER} 01.02.2026 3 2 he") == [("codes", "unknown_code")]


def test_a_mother_phone_needs_10_to_13_digits():
    assert errors_of(f"PRE {MOTHER} 01.02.2026 3 2 07881234") == [("phone", "phone_format")]


def test_a_next_visit_in_the_past_is_refused():
    assert errors_of(f"PRE {MOTHER} 01.02.2026 01.03.2026 3 2") == [("next_visit", "date_in_past")]


def test_pregnancy_place_must_be_a_facility():
    assert errors_of(f"PRE {MOTHER} 01.02.2026 3 2 ho") == [("place", "code_not_allowed")]


def test_a_mother_weight_out_of_range_is_refused():
    assert errors_of(f"PRE {MOTHER} 01.02.2026 3 2 wt550") == [("weight", "weight_range")]


def test_two_toilet_answers_conflict():
    assert errors_of(f"PRE {MOTHER} 01.02.2026 3 2 to nt") == [("toilet", "conflicting_codes")]


def test_nt_means_no_toilet_in_a_pregnancy_report():
    assert read(f"PRE {MOTHER} 01.02.2026 3 2 nt").has_toilet is False


# --- ANC ----------------------------------------------------------------------------------------
def test_antenatal_short_form():
    report = read(f"ANC {MOTHER} 10.03.2026 5 vo")
    assert report == AncReport(MOTHER_ID, date(2026, 3, 10), 5, ("vo",))


def test_antenatal_national_long_form():
    report = read(f"ANC {MOTHER} 10.03.2026 anc3 np hc wt60 muac24")
    assert report == AncReport(MOTHER_ID, date(2026, 3, 10), 3, ("np",), "hc", Decimal("60"), Decimal("24"))


def test_antenatal_contact_number_is_1_to_8():
    assert errors_of(f"ANC {MOTHER} 10.03.2026 9") == [("visit", "out_of_range")]


def test_antenatal_visit_in_the_future_is_refused():
    assert errors_of(f"ANC {MOTHER} 16.03.2026 2") == [("date", "date_in_future")]


# --- RISK ---------------------------------------------------------------------------------------
def test_risk_report():
    assert read(f"RISK {MOTHER} fe ma") == RiskReport(MOTHER_ID, ("fe", "ma"))


def test_risk_report_long_form_with_place_and_weight():
    assert read(f"RISK {MOTHER} oe ho wt58") == RiskReport(MOTHER_ID, ("oe",), "ho", Decimal("58"))


def test_a_danger_sign_in_a_risk_report_is_refused_as_an_emergency():
    assert errors_of(f"RISK {MOTHER} fe he") == [("codes", "emergency_code")]
    assert params_of(f"RISK {MOTHER} fe he") == [{"code": "he"}]


def test_np_is_not_allowed_in_a_risk_report():
    assert errors_of(f"RISK {MOTHER} np") == [("codes", "np_not_in_risk")]


def test_a_risk_report_needs_a_symptom():
    assert errors_of(f"RISK {MOTHER}") == [("codes", "symptom_required")]


# --- RED ----------------------------------------------------------------------------------------
def test_red_alert():
    assert read(f"RED {MOTHER} he ap") == RedAlert(MOTHER_ID, ("he", "ap"))


def test_red_alert_long_form_with_location_and_weight():
    alert = read(f"RED {MOTHER} he or wt60")
    assert (alert.location, alert.mother_weight_kg) == ("or", Decimal("60"))


def test_red_alert_takes_signs_of_pregnancy_after_delivery_and_of_the_newborn():
    assert read(f"RED {MOTHER} sbp con shb").danger_signs == ("sbp", "con", "shb")


def test_red_alert_with_valid_and_unknown_codes_still_raises_the_alert():
    alert = read(f"RED {MOTHER} he xx co 55")
    assert alert.danger_signs == ("he", "co")
    assert alert.unknown_codes == ("xx", "55")


def test_red_alert_without_any_valid_sign_is_refused():
    assert errors_of(f"RED {MOTHER} xx") == [
        ("codes", "unknown_code"),
        ("codes", "danger_sign_required"),
    ]


def test_red_alert_without_signs_is_refused():
    assert errors_of(f"RED {MOTHER}") == [("codes", "danger_sign_required")]


def test_red_alert_at_a_facility_is_refused():
    assert errors_of(f"RED {MOTHER} he hc") == [("place", "red_place")]


def test_red_alert_with_a_bad_id_is_an_error_that_still_carries_the_signs():
    with pytest.raises(ParseError) as caught:
        read("RED 12345 he ho")
    assert caught.value.partial["danger_signs"] == ("he",)
    assert caught.value.partial["location"] == "ho"


def test_nt_means_fast_breathing_in_a_red_alert():
    assert read(f"RED {MOTHER} nt").danger_signs == ("nt",)
    assert codes.label("nt", "danger_newborn", "en") == "fast breathing"
    assert codes.label("nt", "toilet", "en") == "no toilet"


def test_red_alert_reads_old_codes_as_their_new_ones():
    assert read(f"RED {MOTHER} rsb ucb").danger_signs == ("nuf", "ncb")


# --- RAR ----------------------------------------------------------------------------------------
def test_alert_result_short_form():
    assert read(f"RAR {MOTHER} mw cs pr at") == AlertResult(
        MOTHER_ID, ("mw", "cs"), intervention="pr", ambulance="at"
    )


def test_alert_result_national_long_form():
    assert read(f"RAR {MOTHER} he ap hc al ms") == AlertResult(
        MOTHER_ID, ("ms",), ambulance="al", danger_signs=("he", "ap"), place="hc"
    )


def test_alert_result_needs_a_status():
    assert errors_of(f"RAR {MOTHER} pr") == [("status", "status_required")]


def test_alert_result_mother_cannot_be_well_and_sick():
    assert errors_of(f"RAR {MOTHER} mw ms") == [("status", "conflicting_codes")]


def test_alert_result_takes_one_intervention():
    assert errors_of(f"RAR {MOTHER} mw pr pt") == [("intervention", "conflicting_codes")]


# --- BIR ----------------------------------------------------------------------------------------
def test_birth_short_form():
    assert read(f"BIR {MOTHER} 12.03.2026 hc gi wt3.1") == BirthReport(
        MOTHER_ID, date(2026, 3, 12), "hc", (Baby(1, "gi", Decimal("3.1")),)
    )


def test_birth_of_twins_in_one_short_message_with_plain_weights():
    report = read(f"BIR {MOTHER} 12.03.2026 hp bo 2.6 np gi 2.4 pm bf1")
    assert report.babies == (
        Baby(1, "bo", Decimal("2.6"), ("np",)),
        Baby(2, "gi", Decimal("2.4"), ("pm",)),
    )
    assert report.breastfeeding == "bf1"


def test_birth_national_long_form():
    assert read(f"BIR {MOTHER} 02 12.03.2026 bo np hc bf1 wt3.2") == BirthReport(
        MOTHER_ID, date(2026, 3, 12), "hc", (Baby(2, "bo", Decimal("3.2"), ("np",)),), "bf1"
    )


def test_birth_long_form_has_one_baby():
    assert errors_of(f"BIR {MOTHER} 01 12.03.2026 bo gi hc") == [("sex", "unexpected")]


def test_a_baby_weight_outside_0_3_to_7_kg_is_refused():
    assert errors_of(f"BIR {MOTHER} 12.03.2026 hc gi 3200") == [("weight", "weight_range")]


def test_a_birth_in_the_future_is_refused():
    assert errors_of(f"BIR {MOTHER} 16.03.2026 hc gi") == [("birth_date", "date_in_future")]


def test_a_birth_needs_a_place_and_a_sex():
    assert errors_of(f"BIR {MOTHER} 12.03.2026") == [
        ("place", "missing_field"),
        ("sex", "missing_field"),
    ]


def test_np_must_stand_alone_among_newborn_signs():
    assert errors_of(f"BIR {MOTHER} 12.03.2026 hc gi np pm") == [("codes", "np_not_alone")]


# --- PNC ----------------------------------------------------------------------------------------
def test_postnatal_short_form():
    report = read(f"PNC {MOTHER} 2 14.03.2026 fe")
    assert (report.visit_number, report.visit_date, report.symptoms) == (2, date(2026, 3, 14), ("fe",))
    assert report.birth_date is None


def test_postnatal_national_long_form():
    report = read(f"PNC {MOTHER} pnc1 yego 12.03.2026 np aa mw")
    assert (report.visit_number, report.birth_date, report.visit_date) == (1, date(2026, 3, 12), None)
    assert (report.done_at_facility, report.intervention, report.mother_status) == (True, "aa", "mw")


def test_postnatal_visit_number_is_1_to_5():
    assert errors_of(f"PNC {MOTHER} 6 14.03.2026") == [("visit", "out_of_range")]


def test_postnatal_mother_status_is_mw_or_ms():
    assert errors_of(f"PNC {MOTHER} pnc2 12.03.2026 np cw") == [("status", "code_not_allowed")]


# --- DTH, LOS, DEP ------------------------------------------------------------------------------
def test_death_short_form_with_a_date():
    assert read(f"DTH {MOTHER} sbd 14.03.2026") == DeathReport(MOTHER_ID, "sbd", date(2026, 3, 14))


def test_death_long_form_for_the_mother():
    assert read(f"DTH {MOTHER} ho md") == DeathReport(MOTHER_ID, "md", place="ho")


def test_death_long_form_for_a_child():
    assert read(f"DTH {MOTHER} 01 12.03.2026 hc nd") == DeathReport(
        MOTHER_ID, "nd", place="hc", child_number=1, birth_date=date(2026, 3, 12)
    )


def test_a_child_death_is_nd_or_cd():
    assert errors_of(f"DTH {MOTHER} 01 12.03.2026 hc md") == [("death", "code_not_allowed")]


def test_a_death_report_needs_its_code():
    assert errors_of(f"DTH {MOTHER} 14.03.2026") == [("death", "missing_field")]


def test_loss_date_is_optional():
    assert read(f"LOS {MOTHER}").date is None


def test_departure_may_name_the_new_village():
    assert read(f"DEP {MOTHER} 10101010").new_village_code == "10101010"
    assert read(f"DEP {MOTHER}").new_village_code is None


def test_departure_village_is_a_number():
    assert errors_of(f"DEP {MOTHER} kigali") == [("village", "number_expected")]


# --- OK, LANG, WHO, HELP ------------------------------------------------------------------------
def test_acknowledgement_number_is_optional():
    assert read("OK 12").alert_number == 12
    assert read("ok").alert_number is None


def test_language_choice():
    assert read("LANG kin").language == "rw"


def test_language_choice_needs_a_language():
    assert errors_of("LANG") == [("language", "missing_field")]


def test_who_takes_no_field():
    assert errors_of("WHO am I") == [("message", "unexpected"), ("message", "unexpected")]


def test_help_names_the_keyword_asked_about_in_upper_case():
    assert read("help pre") == HelpRequest("PRE")
    assert read("HELP") == HelpRequest(None)


def test_help_about_an_unknown_keyword_is_not_an_error():
    assert read("HELP FOO") == HelpRequest("FOO")


@pytest.mark.parametrize("word", ["AIDE", "ufasha"])
def test_help_has_french_and_kinyarwanda_names(word):
    assert read(f"{word} anc") == HelpRequest("ANC")


# --- The tables ---------------------------------------------------------------------------------
def test_every_code_label_is_in_the_gsm_alphabet():
    for group in codes.GROUPS:
        for code in codes.codes_in(group):
            for text in code.labels.values():
                assert set(text) <= GSM, (code.code, text)


def test_every_message_id_has_a_short_gsm_template():
    assert set(MESSAGES) == set(Message)
    for template in MESSAGES.values():
        assert len(template) <= 50 and set(template) <= GSM, template


def test_every_field_has_a_short_gsm_label():
    assert set(FIELD_LABELS) == set(Field)
    for label in FIELD_LABELS.values():
        assert len(label) <= 15 and set(label) <= GSM, label


def test_every_usage_line_is_short_ascii():
    for grammar in GRAMMARS.values():
        assert len(grammar.usage) <= 120 and grammar.usage.isascii(), grammar.usage
        assert grammar.usage.startswith(grammar.keyword)
        assert (grammar.long_usage or grammar.keyword).isascii()


@pytest.mark.parametrize(
    "groups",
    [
        ("previous_risk", "symptom", "place", "toilet", "handwashing"),
        ("symptom", *codes.DANGER_SIGN_GROUPS, "place"),
        ("status", "intervention", "ambulance", "place", *codes.DANGER_SIGN_GROUPS),
        ("place", "sex", "newborn_sign", "breastfeeding"),
        ("pnc_facility", "symptom", "intervention", "status"),
        ("death", "place"),
    ],
)
def test_no_code_means_two_things_within_one_keyword(groups):
    spellings = [
        spelling
        for group in groups
        for code in codes.codes_in(group)
        for spelling in (code.code, *code.aliases)
    ]
    assert len(spellings) == len(set(spellings))


def test_lookup_resolves_an_alias_to_its_code():
    assert codes.lookup("place", "CL").code == "hc"
    assert codes.lookup(codes.DANGER_SIGN_GROUPS, "rsb").code == "nuf"


def test_lookup_in_a_group_that_does_not_exist_is_a_programming_error():
    with pytest.raises(KeyError):
        codes.lookup("danger", "he")


# --- Writing back -------------------------------------------------------------------------------
def test_a_command_is_written_back_in_its_canonical_short_form():
    command = read(f"pre+{MOTHER}+1/2/26+g3+p2+VO+gs.")
    assert format_command(command) == f"PRE {MOTHER} 01.02.2026 3 2 gs vo"


def test_a_birth_of_a_second_child_is_written_back_with_its_number():
    command = read(f"BIR {MOTHER} 02 12.03.2026 bo hc")
    assert format_command(command) == f"BIR {MOTHER} 02 12.03.2026 hc bo"
