"""``messaging.sql``: the rows the path of every SMS writes by hand-written SQL are the rows the
ORM would have written (run on SQLite and on PostgreSQL, whose conversions differ)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db.models.signals import post_save

from maternal.models import Pregnancy, Reporter
from messaging import sql
from tests.factories import MotherFactory, PregnancyFactory, ReporterFactory

pytestmark = pytest.mark.django_db

#: A pregnancy's columns of every kind the conversions touch: JSON, decimals, dates, nullable booleans.
FIELDS = {
    "last_menstrual_period": date(2026, 8, 6),
    "expected_delivery_date": date(2027, 5, 13),
    "gravidity": 3,
    "parity": 2,
    "previous_risks": ["hbp", "ce"],
    "symptoms": ["np"],
    "high_risk": True,
    "weight_kg": Decimal("61.5"),
    "muac_cm": Decimal("23.0"),
    "has_toilet": False,
    "next_visit_date": date(2026, 12, 24),
    "registered_on": date(2026, 11, 26),
}


def new_pregnancy(volunteer: Reporter) -> Pregnancy:
    """A pregnancy not saved yet, of a new mother of ``volunteer``'s village, with ``FIELDS``."""
    return Pregnancy(
        mother=MotherFactory(facility=volunteer.facility, village=volunteer.village),
        reporter=volunteer,
        facility=volunteer.facility,
        village=volunteer.village,
        **FIELDS,
    )


def columns_of(pregnancy: Pregnancy) -> dict[str, object]:
    """Every column as read back from the database, but the key."""
    row = Pregnancy.objects.values().get(pk=pregnancy.pk)
    return {name: value for name, value in row.items() if name != "id"}


def test_a_row_inserted_in_sql_reads_back_as_the_orm_would_have_saved_it():
    volunteer = ReporterFactory()
    saved_by_orm = new_pregnancy(volunteer)
    saved_by_orm.save()
    inserted = sql.insert(new_pregnancy(volunteer))
    by_orm, by_sql = columns_of(saved_by_orm), columns_of(inserted)
    assert by_sql["registered_at"] is not None  # auto_now_add applied
    assert by_sql["status"] == Pregnancy.Status.ACTIVE  # the model's default applied
    for varying in ("mother_id", "registered_at"):
        del by_orm[varying], by_sql[varying]
    assert by_sql == by_orm


def test_an_inserted_instance_is_saved_and_usable_at_once():
    inserted = sql.insert(new_pregnancy(ReporterFactory()))
    assert not inserted._state.adding
    assert Pregnancy.objects.get(pk=inserted.pk).weight_kg == Decimal("61.5")
    inserted.status = Pregnancy.Status.LOST
    inserted.save(update_fields=["status"])  # an UPDATE, not a second INSERT
    assert Pregnancy.objects.filter(status=Pregnancy.Status.LOST).count() == 1


def test_an_insert_sends_the_save_signals_that_save_would():
    unsaved = new_pregnancy(ReporterFactory())
    saved = []

    def note(sender, instance, created: bool, **kwargs) -> None:
        saved.append((instance.pk, created))

    post_save.connect(note, sender=Pregnancy, weak=False)
    try:
        inserted = sql.insert(unsaved)
    finally:
        post_save.disconnect(note, sender=Pregnancy)
    assert saved == [(inserted.pk, True)]


def test_an_instance_from_some_of_a_rows_values_loads_the_others_when_used():
    pregnancy = PregnancyFactory(**FIELDS)
    partial = sql.instance(Pregnancy, {"id": pregnancy.pk, "mother_id": pregnancy.mother_id})
    assert partial.symptoms == ["np"] and partial.weight_kg == Decimal("61.5")
