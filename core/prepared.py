"""Statements prepared once per database connection, for the hot paths whose planning costs PostgreSQL more than
running them (a booking's lock and checks: about a millisecond of planning for a fraction of that in execution).

`execute(cursor, name, sql, params)` runs `sql` (with %(name)s or %s placeholders) as `EXECUTE name(...)`,
having sent `PREPARE name AS ...` the first time on this connection. A prepared statement lives as long as its
session and outlives a rolled-back transaction; a new connection prepares again. Behind PgBouncer in transaction
pooling a session does not follow its client, so there (settings.DATABASE_PREPARED_STATEMENTS off) and on other
databases the statement is sent as it is.
"""

import functools
import re
import weakref

from django.conf import settings

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

#: The statements prepared on each open connection (the driver's connection object, so a reconnect starts empty).
_prepared = weakref.WeakKeyDictionary()


@functools.cache
def _positional(sql):
    """(`sql` with $1, $2 … for its placeholders, the parameter keys in that order): %(name)s placeholders are
    numbered by name (a name used twice is one parameter), %s placeholders in order."""
    if "%(" not in sql:
        count = sql.count("%s")
        parts = sql.split("%s")
        return "".join(part + (f"${n + 1}" if n < count else "") for n, part in enumerate(parts)), list(range(count))
    names = []

    def number(match):
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    return _PLACEHOLDER.sub(number, sql), names


def enabled(connection):
    return connection.vendor == "postgresql" and getattr(settings, "DATABASE_PREPARED_STATEMENTS", True)


def execute(cursor, name, sql, params):
    """Run `sql` with `params` (a dict for %(name)s placeholders, a sequence for %s) on `cursor` (Django's),
    prepared as `name` once per connection."""
    connection = cursor.db
    if not enabled(connection):
        cursor.execute(sql, params)
        return
    if not _NAME.match(name):
        raise ValueError(f"not a statement name: {name!r}")
    text, names = _positional(sql)
    done = _prepared.setdefault(connection.connection, set())
    if name not in done:
        # On the driver's own cursor: once per connection, it is no request's work, so it is left out of the
        # statements a request is counted by (as Django's own connection health check is).
        with connection.wrap_database_errors, connection.connection.cursor() as raw:
            raw.execute(f"PREPARE {name} AS {text}")
        done.add(name)
    cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(names))})", [params[n] for n in names])
