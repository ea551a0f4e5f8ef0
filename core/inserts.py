"""One new row written by one prepared statement, for the hot write paths (a booking, its message).

The ORM builds an INSERT anew for every save (field lists, compiler, placeholders): on the booking path that cost
more than the database's own work. Here the statement is built once per model and database (and prepared once per
connection, core.prepared), and the row's values
are prepared as the ORM prepares them (each field's pre_save and get_db_prep_save). pre_save and post_save are sent
as by save(), so their receivers (the dashboard's change marks) still run.

- `insert(instance)`: the row alone (a model whose history simple-history records gets its history row from
  simple-history's own receiver, as after save()).
- `insert_with_history(instance, user=...)`: the row and its "+" history row in one statement on PostgreSQL (the
  history copied from the row as inserted); other databases save as simple-history does.

A model whose database fills columns itself (db_default, generated fields) is saved the usual way.
"""

import functools

from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import signals
from django.utils import timezone

from . import prepared

_HISTORY_FIELDS = ("history_id", "history_date", "history_change_reason", "history_type", "history_user")


@functools.cache
def _statement(model, with_history):
    """(SQL, the model's fields in the order of its placeholders), for PostgreSQL."""
    quote_name = connections[DEFAULT_DB_ALIAS].ops.quote_name
    meta = model._meta
    fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field]
    row = (f"INSERT INTO {quote_name(meta.db_table)} ({', '.join(quote_name(f.column) for f in fields)})"
           f" VALUES ({', '.join(['%s'] * len(fields))})")
    pk = quote_name(meta.pk.column)
    if not with_history:
        return f"{row} RETURNING {pk}", fields
    history = getattr(model, meta.simple_history_manager_attribute).model
    tracked = [f.column for f in history._meta.concrete_fields if f.name not in _HISTORY_FIELDS]
    extra = [history._meta.get_field(name).column for name in _HISTORY_FIELDS[1:]]
    sql = (f"WITH row AS ({row} RETURNING *)"
           f" INSERT INTO {quote_name(history._meta.db_table)} ({', '.join(map(quote_name, tracked + extra))})"
           f" SELECT {', '.join('row.' + quote_name(c) for c in tracked)}, %s, %s, '+', %s FROM row"
           f" RETURNING {quote_name(history._meta.get_field(meta.pk.name).column)}")
    return sql, fields


def _usual_save(model, connection):
    return connection.vendor != "postgresql" or model._meta.db_returning_fields != [model._meta.pk]


def _write(instance, using, connection, sql, fields, extra=()):
    model = type(instance)
    signals.pre_save.send(sender=model, instance=instance, raw=False, using=using, update_fields=None)
    values = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    name = f"insert_{'h_' if extra else ''}{model._meta.db_table}"[:63]
    with connection.cursor() as cursor:
        prepared.execute(cursor, name, sql, [*values, *extra])
        instance.pk = cursor.fetchone()[0]
    instance._state.adding, instance._state.db = False, using


def insert(instance, *, using=None):
    """INSERT `instance` (a new row) by a statement built once per model; returns it, its primary key set."""
    model = type(instance)
    using = using or router.db_for_write(model, instance=instance)
    connection = connections[using]
    if _usual_save(model, connection):
        instance.save(force_insert=True, using=using)
        return instance
    sql, fields = _statement(model, False)
    _write(instance, using, connection, sql, fields)
    signals.post_save.send(sender=model, instance=instance, created=True, update_fields=None, raw=False,
                           using=using)
    return instance


def insert_with_history(instance, *, user, using=None):
    """INSERT `instance` (a new row of a model with HistoricalRecords) and its "+" history row by `user`.

    A model whose history tracks many-to-many fields or a relation is saved the usual way."""
    model = type(instance)
    using = using or router.db_for_write(model, instance=instance)
    connection = connections[using]
    records = getattr(model, model._meta.simple_history_manager_attribute)
    if (_usual_save(model, connection) or getattr(records.model, "history_relation", None) is not None
            or getattr(model._meta, "_history_m2m_fields", None)):
        instance._history_user = user
        instance.save(force_insert=True, using=using)
        return instance
    sql, fields = _statement(model, True)
    history_date = getattr(instance, "_history_date", None) or timezone.now()
    _write(instance, using, connection, sql, fields,
           (history_date, getattr(instance, "_change_reason", None), getattr(user, "pk", user)))
    instance.skip_history_when_saving = True  # its history row is written
    try:
        signals.post_save.send(sender=model, instance=instance, created=True, update_fields=None, raw=False,
                               using=using)
    finally:
        del instance.skip_history_when_saving
    return instance
