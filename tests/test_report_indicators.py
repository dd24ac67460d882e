"""Indicators on a small hand-built data set. The report month is January 2026 (Africa/Kigali);
district Gasabo has sectors Kacyiru and Remera; district Nyarugenge holds records that must not leak
into Gasabo. Each expected value is worked out by hand in the test that checks it."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maternal.models import Alert, Birth, Pregnancy
from reports.indicators import BY_NAME, INDICATORS, Figure
from reports.months import Month
from reports.services import compute_snapshot
from tests.report_factories import AlertFactory, VisitFactory, january_data_set, kigali, uncovered_mornings

JANUARY = Month(2026, 1)
DECEMBER = Month(2025, 12)
FEBRUARY = Month(2026, 2)


@pytest.fixture
def gasabo(db):
    return january_data_set()


def figure(name: str, month: Month, gasabo) -> Figure:
    return BY_NAME[name].compute(month, gasabo.district.pk)


def by_sector(name: str, gasabo) -> list[Figure | None]:
    results = BY_NAME[name].compute_by_sector(JANUARY, gasabo.district.pk)
    return [results.get(place.sector.pk) for place in gasabo.sectors]


def test_new_pregnancies_are_those_registered_in_the_month(gasabo):
    # P1, P2, P3 were registered in January; P4 in December; P13 in February.
    assert figure("new_pregnancies", JANUARY, gasabo) == Figure(3)


def test_registration_at_exactly_12_weeks_is_not_before_12_weeks(gasabo):
    # P1: 56 days (yes); P2: 111 days (no); P3: 20 Oct -> 12 Jan = 84 days, exactly 12 weeks (no).
    # 1 / 3 = 33.3%
    assert figure("registered_before_12_weeks", JANUARY, gasabo) == Figure(33.3, 1, 3)


def test_a_birth_on_the_last_day_of_the_month_counts_in_that_month(gasabo):
    # January: P5 (31 Jan, reported 23:30), P6, P8, P9 = 4; P7 on 1 February is February's.
    assert figure("births", JANUARY, gasabo) == Figure(4)
    assert figure("births", FEBRUARY, gasabo) == Figure(1)


def test_facility_births_are_those_at_a_health_centre_or_hospital(gasabo):
    # P5 hc, P8 hp, P9 hc are at a facility; P6 at home: 3 / 4 = 75%.
    assert figure("facility_births", JANUARY, gasabo) == Figure(75.0, 3, 4)


def test_a_long_form_registration_counts_as_the_first_anc_contact(gasabo):
    # Contacts = 1 for a long-form PRE (filed at ANC 1) + ANC visits: P5 1+3 = 4, P6 1+7 = 8 (its PNC
    # visit not counted); P8 and P9 (short-form PRE, no visit) 0. 4+: P5, P6 = 2 / 4 = 50%; 8+: P6.
    assert figure("anc4_births", JANUARY, gasabo) == Figure(50.0, 2, 4)
    assert figure("anc8_births", JANUARY, gasabo) == Figure(25.0, 1, 4)


def test_a_short_form_registration_is_not_an_anc_contact(gasabo):
    """A volunteer's short-form PRE registers the pregnancy in the village; her ANC 1 at the health
    centre is reported later and is the first contact: PRE + ANC 1-3 is 3 contacts, not 4."""
    p9 = Pregnancy.objects.get(pk=Birth.objects.get(birth_date=date(2026, 1, 19)).pregnancy_id)
    for number in (1, 2, 3):
        VisitFactory(pregnancy=p9, contact_number=number)
    assert p9.next_visit_date is None
    assert figure("anc4_births", JANUARY, gasabo) == Figure(50.0, 2, 4)


def test_red_alerts_count_by_the_kigali_time_they_were_raised(gasabo):
    # A1-A4 in January; A5 at 00:30 on 1 February Kigali time (22:30 UTC on 31 January) is February's.
    assert figure("red_alerts", JANUARY, gasabo) == Figure(4)
    assert figure("red_alerts", FEBRUARY, gasabo) == Figure(1)


def test_an_alert_acknowledged_after_midnight_counts_in_the_month_it_was_raised(gasabo):
    # Within 10 minutes: A1 (4 min), A2 (23:55 -> 00:03, 8 min); not A3 (25 min), not A4 (never).
    # 2 / 4 = 50%
    assert figure("alerts_acknowledged_in_10_minutes", JANUARY, gasabo) == Figure(50.0, 2, 4)


def test_median_time_to_acknowledge_leaves_out_unacknowledged_alerts(gasabo):
    # Acknowledged: 4, 8, 25 minutes -> median 8.
    assert figure("median_minutes_to_acknowledge", JANUARY, gasabo) == Figure(8.0)


def test_median_of_an_even_number_of_alerts_is_the_mean_of_the_middle_two(gasabo):
    # Kacyiru: A1 4 min, A2 8 min -> (4 + 8) / 2 = 6; Remera: A3 25 min only.
    assert by_sector("median_minutes_to_acknowledge", gasabo) == [Figure(6.0), Figure(25.0)]


def test_median_time_to_acknowledge_is_empty_without_alerts(gasabo):
    assert figure("median_minutes_to_acknowledge", DECEMBER, gasabo) == Figure(None)


def test_each_months_median_takes_the_alerts_of_that_month_in_kigali_time(gasabo):
    # A5, raised at 00:30 on 1 February in Kigali (22:30 UTC on 31 January), acknowledged at 00:40.
    Alert.objects.filter(raised_at=kigali(2026, 2, 1, 0, 30)).update(
        acknowledged_at=kigali(2026, 2, 1, 0, 40)
    )
    measured = BY_NAME["median_minutes_to_acknowledge"].measure(
        gasabo.district.pk, JANUARY, compared=[FEBRUARY]
    )
    assert measured.district == {JANUARY: Figure(8.0), FEBRUARY: Figure(10.0)}


def test_a_red_alert_counts_in_the_district_of_its_health_facility(gasabo):
    # A Nyarugenge mother's alert raised by Kacyiru's volunteer: Gasabo's A1-A4 + this one = 5.
    nyarugenge_pregnancy = Pregnancy.objects.filter(village__district__code="101").first()
    AlertFactory(
        pregnancy=nyarugenge_pregnancy,
        facility=gasabo.sectors[0].facility,
        raised_at=kigali(2026, 1, 3),
        status="closed",
        closed_at=kigali(2026, 1, 3, 12),
    )
    assert figure("red_alerts", JANUARY, gasabo) == Figure(5)


def test_maternal_deaths_count_md_deaths_of_the_district(gasabo):
    # P11 on 8 January; Nyarugenge's maternal death is not Gasabo's.
    assert figure("maternal_deaths", JANUARY, gasabo) == Figure(1)


def test_a_stillbirth_reported_by_birth_and_by_death_counts_once(gasabo):
    # P8 stillborn baby (no DTH) + P9 DTH sbd (its stillborn baby not counted again) = 2.
    assert figure("stillbirths", JANUARY, gasabo) == Figure(2)


def test_a_newborn_death_after_28_days_is_not_a_newborn_death(gasabo):
    # P6's baby died at 15 days (counts); P10's at 35 days (does not).
    assert figure("newborn_deaths", JANUARY, gasabo) == Figure(1)


def test_a_mother_who_moved_is_not_active_at_the_end_of_the_month_she_left(gasabo):
    # End of January: P1 (active) and P12 (delivered 3 February) = 2; P4 moved on 15 January.
    # End of December: P4 (registered 10 December) and P12 = 2; P1 was registered in January.
    assert figure("high_risk_active", JANUARY, gasabo) == Figure(2)
    assert figure("high_risk_active", DECEMBER, gasabo) == Figure(2)
    assert by_sector("high_risk_active", gasabo) == [Figure(1), Figure(1)]  # P1 Kacyiru, P12 Remera


def test_a_mother_who_moved_still_counts_as_registered_in_her_month(gasabo):
    # December's only new pregnancy is P4.
    assert figure("new_pregnancies", DECEMBER, gasabo) == Figure(1)


def test_reminders_sent_count_by_the_kigali_time_they_were_sent(gasabo):
    # R1 5 January, R2 31 January 23:30, O2 12 January = 3; R3 at 00:10 on 1 February is February's.
    assert figure("reminders_sent", JANUARY, gasabo) == Figure(3)


def test_a_visit_is_missed_in_the_month_its_due_date_plus_14_days_falls(gasabo):
    # M1 20 Dec + 14 = 3 Jan (January); M2 -> 3 Feb; M3 -> 31 Dec; the planned reminder is not missed.
    assert figure("missed_visits", JANUARY, gasabo) == Figure(1)
    assert figure("missed_visits", DECEMBER, gasabo) == Figure(1)


def test_a_follow_up_after_the_edd_is_not_a_missed_visit(gasabo):
    # O1 (post-EDD, status missed, due 20 Dec + 14 = 3 Jan) is left out: January's missed visit is M1 only.
    assert figure("missed_visits", JANUARY, gasabo) == Figure(1)


def test_births_overdue_are_the_follow_ups_after_the_edd_due_in_the_month(gasabo):
    # January: O2 (sent) and O3 (expired in an outage); O4 was cancelled before its day. December: O1.
    assert figure("births_overdue", JANUARY, gasabo) == Figure(2)
    assert figure("births_overdue", DECEMBER, gasabo) == Figure(1)


def test_volunteers_active_sent_an_accepted_report_in_the_month(gasabo):
    # r1 (BIR of P5), r2 (ANC 23:30 on 31 Jan), r4 (inactive now, BIR in January) = 3;
    # not r3 (HELP and a refused message), not r5 (1 February, Kigali time).
    assert figure("volunteers_active", JANUARY, gasabo) == Figure(3)


def test_data_completeness_is_the_share_of_active_volunteers_who_reported(gasabo):
    # Active now: r1, r2, r3, r5 = 4; of these r1, r2 reported: 2 / 4 = 50%.
    assert figure("data_completeness", JANUARY, gasabo) == Figure(50.0, 2, 4)


def test_percentages_per_sector_keep_their_counts(gasabo):
    # Kacyiru births P5 hc, P8 hp, P9 hc = 3 / 3; Remera P6 at home = 0 / 1.
    assert by_sector("facility_births", gasabo) == [Figure(100.0, 3, 3), Figure(0.0, 0, 1)]


@pytest.mark.parametrize("indicator", [i for i in INDICATORS if i.unit == "count"], ids=lambda i: i.name)
def test_counts_per_sector_add_up_to_the_district(gasabo, indicator):
    per_sector = indicator.compute_by_sector(JANUARY, gasabo.district.pk)
    assert sum(f.value for f in per_sector.values()) == indicator.compute(JANUARY, gasabo.district.pk).value


def test_the_snapshot_sets_each_month_beside_the_previous_and_last_year(gasabo):
    snapshot = compute_snapshot(district=gasabo.district, month=JANUARY)
    assert snapshot.figures["new_pregnancies"] == {
        "month": Figure(3).as_json(),
        "previous": Figure(1).as_json(),  # P4
        "last_year": Figure(0).as_json(),
    }


def test_the_snapshot_has_a_row_per_sector_in_name_order(gasabo):
    sectors = compute_snapshot(district=gasabo.district, month=JANUARY).sectors
    assert [(s["name"], s["figures"]["new_pregnancies"]["value"]) for s in sectors] == [
        ("Kacyiru", 2),
        ("Remera", 1),
    ]


def test_the_trend_covers_the_12_months_ending_with_the_report_month(gasabo):
    trend = compute_snapshot(district=gasabo.district, month=JANUARY).trends["new_pregnancies"]
    assert [point["month"] for point in trend][::11] == ["2025-02", "2026-01"]
    assert [point["value"] for point in trend][-2:] == [1, 3]  # December P4; January P1-P3


def test_births_by_place_count_each_place_code(gasabo):
    assert compute_snapshot(district=gasabo.district, month=JANUARY).births_by_place == {
        "hc": 2,
        "ho": 1,
        "hp": 1,
    }


def test_open_alerts_and_missed_visits_are_counted_by_health_facility(gasabo):
    # Open at the end of January: A2 (acknowledged, no outcome) at Kacyiru, A4 at Remera; A5 came
    # later. Missed in January: M1 (Kacyiru).
    facilities = compute_snapshot(district=gasabo.district, month=JANUARY).facilities
    assert facilities == [
        {"code": "10201", "name": "Kacyiru health centre", "open_alerts": 1, "missed_visits": 1},
        {"code": "10202", "name": "Remera health centre", "open_alerts": 1, "missed_visits": 0},
    ]


def test_the_snapshot_holds_no_mother_identifier(gasabo):
    snapshot = compute_snapshot(district=gasabo.district, month=JANUARY)
    text = repr(snapshot)
    identifiers = Pregnancy.objects.values_list("mother__identifier", flat=True)
    assert not [identifier for identifier in identifiers if identifier in text]


def test_the_number_of_queries_does_not_grow_with_the_number_of_records(gasabo):
    nyarugenge = Pregnancy.objects.filter(village__district__code="101").first().village.district
    with CaptureQueriesContext(connection) as busy:
        compute_snapshot(district=gasabo.district, month=JANUARY)
    with CaptureQueriesContext(connection) as quiet:
        compute_snapshot(district=nyarugenge, month=JANUARY)
    assert len(busy) == len(quiet)


def test_every_indicator_is_documented_with_its_rule():
    docs = Path(__file__).resolve().parent.parent / "docs" / "indicators.md"
    text = re.sub(r"\s+", " ", docs.read_text())
    missing = [
        i.name for i in INDICATORS if f"`{i.name}`" not in text or re.sub(r"\s+", " ", i.rule) not in text
    ]
    assert not missing


def test_days_without_level1_cover_count_health_centre_mornings_found_uncovered(gasabo):
    uncovered_mornings(gasabo)
    # Kacyiru 3 and 31 January = 2; not the hospital, not Nyarugenge, not Remera's February day.
    assert figure("days_without_level1_cover", JANUARY, gasabo) == Figure(2)
    assert by_sector("days_without_level1_cover", gasabo) == [Figure(2), None]


def test_days_without_level1_cover_are_listed_by_health_centre(gasabo):
    uncovered_mornings(gasabo)
    snapshot = compute_snapshot(district=gasabo.district, month=JANUARY)
    assert snapshot.uncovered_days == [{"code": "10201", "name": "Kacyiru health centre", "days": 2}]
    assert compute_snapshot(district=gasabo.district, month=FEBRUARY).uncovered_days == [
        {"code": "10202", "name": "Remera health centre", "days": 1}
    ]
