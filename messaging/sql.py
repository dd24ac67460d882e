"""Rows written and read by hand-written SQL instead of the ORM's query building, on the path every
SMS takes: there the ORM spent more CPU building a statement than the database spent running it,
and that CPU decided how many reports a small server takes (docs/benchmarks.md, "Where the code
writes SQL"). Values go through each field's own conversion, as with the ORM."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import connection
from django.db.models import Model, signals

ModelT = TypeVar("ModelT", bound=Model)


def insert(new: ModelT) -> ModelT:
    """Save a new instance in one INSERT, as ``new.save()`` would (defaults, ``auto_now_add``,
    each field's conversion, the save signals) but without the ORM's query building. Its key
    must be ``id``."""
    model, db = type(new), connection.alias
    signals.pre_save.send(sender=model, instance=new, raw=False, using=db, update_fields=None)
    fields = [field for field in new._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(f"{field.column}" for field in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {new._meta.db_table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))}) RETURNING id",
            [field.get_db_prep_save(field.pre_save(new, True), connection) for field in fields],
        )
        (new.pk,) = cursor.fetchone()
    new._state.adding, new._state.db = False, db
    signals.post_save.send(sender=model, instance=new, created=True, update_fields=None, raw=False, using=db)
    return new


def instance(model: type[ModelT], values: dict[str, Any]) -> ModelT:
    """A saved instance of ``model`` from the values of a row (field attname → Python value);
    the fields not given are deferred (loaded from the database if used)."""
    names = [field.attname for field in model._meta.concrete_fields if field.attname in values]
    return model.from_db(connection.alias, names, [values[name] for name in names])
