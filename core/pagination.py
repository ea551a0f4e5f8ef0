"""Page counts that do not grow with the province.

Counting every row of a list costs as much as reading it: at province scale `SELECT count(*)` over two million
members takes longer than the page itself. `BoundedCountPaginator` counts exactly up to `EXACT_UP_TO` rows
(a count over a LIMITed subquery reads no more than that) and above it takes PostgreSQL's planner estimate for
the same query, marking the page's count as an estimate (`paginator.estimated`): "about 2,200,000" is what a
person reads there anyway, and every list a secretary works with stays exact.
"""

import base64
import binascii
import json
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections
from django.db.models import F, OrderBy, Q, QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.utils.functional import cached_property

EXACT_UP_TO = 10_000


def planner_estimate(queryset):
    """PostgreSQL's estimate of how many rows `queryset` returns (from EXPLAIN, nothing is read)."""
    query = queryset.order_by()
    sql, params = query.query.sql_with_params()
    with connections[query.db].cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


#: From this many rows into a list a page reads its rows' keys first and then the rows themselves.
DEFERRED_FROM = 500


class BoundedCountPaginator(Paginator):
    """A Paginator whose count is exact up to EXACT_UP_TO rows and PostgreSQL's estimate above it.

    A deep page (DEFERRED_FROM rows in or more) is read in two steps: the primary keys of its rows (the OFFSET
    walks the list's ordering and scope alone, an index when one serves them, without the joined columns and
    related rows of every row it skips), then those rows with everything the page shows — a query more, the
    same for every deep page."""

    estimated = False

    def _get_page(self, object_list, number, paginator):
        whole = self.object_list
        # (Not for a DISTINCT list: PostgreSQL wants its ORDER BY columns among the selected keys.)
        if (isinstance(object_list, QuerySet) and isinstance(whole, QuerySet) and whole.ordered
                and not whole.query.distinct and object_list.query.low_mark >= DEFERRED_FROM):
            low, high = object_list.query.low_mark, object_list.query.high_mark
            keys = list(whole.values_list("pk", flat=True)[low:high])
            object_list = whole.filter(pk__in=keys)
        return super()._get_page(object_list, number, paginator)

    @cached_property
    def count(self):
        items = self.object_list
        if not isinstance(items, QuerySet) or connections[items.db].vendor != "postgresql":
            return super().count
        exact = items.order_by()[: EXACT_UP_TO + 1].count()
        if exact <= EXACT_UP_TO:
            return exact
        self.estimated = True
        return max(planner_estimate(items), exact)


# --- keyset pages ------------------------------------------------------------------------------------------------
#
# A page number is an OFFSET: page 2,000 of a district's members reads and throws away the 99,950 rows before
# it, and the deeper the page the longer it takes. A keyset ("cursor") page starts after the last row the caller
# saw instead — WHERE (org_id, name, id) > (…) over the list's own ordering — so every page costs what the first
# one does when an index serves that ordering.

#: Page numbers reach this many rows; further on a list is read by cursor (core.api.Pagination).
PAGE_NUMBER_ROWS = EXACT_UP_TO


class KeysetError(ValueError):
    """A cursor that does not fit the list (tampered with, from another ordering, or an ordering without keys)."""


def _field_at(model, path):
    """The model field `path` ("name", "org_id", "member__org__path", "pk") ends on, or None for a relation (an
    ordering by a relation sorts by the other model's ordering: no single value to start after)."""
    field = None
    parts = path.split(LOOKUP_SEP)
    for n, part in enumerate(parts):
        field = model._meta.pk if part == "pk" else model._meta.get_field(part)
        if field.is_relation:
            if n == len(parts) - 1 and part != field.attname:
                return None
            model = field.related_model
    return field


class Term(NamedTuple):
    """One column of a keyset ordering: the field path, its direction and where its NULLs go."""

    path: str
    descending: bool
    nulls_last: bool
    field: object

    @property
    def label(self):
        # PostgreSQL's default: NULLs last ascending, first descending; only the other way is spelled out.
        default = self.nulls_last != self.descending
        return ("-" if self.descending else "") + self.path + ("" if default else
                                                               " nulls last" if self.nulls_last else " nulls first")

    def reversed(self):
        return self._replace(descending=not self.descending, nulls_last=not self.nulls_last)


def _term(model, term):
    if isinstance(term, str):
        if term == "?":
            raise KeysetError("random order")
        path, descending, nulls_last = term.lstrip("-+"), term.startswith("-"), not term.startswith("-")
    elif isinstance(term, OrderBy) and isinstance(term.expression, F):
        path, descending = term.expression.name, term.descending
        nulls_last = not descending if not (term.nulls_first or term.nulls_last) else bool(term.nulls_last)
    else:
        raise KeysetError(f"not a field: {term!r}")
    field = _field_at(model, path)
    if field is None:
        raise KeysetError(f"a relation: {path}")
    return Term(path, descending, nulls_last, field)


def keyset_terms(queryset):
    """The queryset's ordering as Terms, cut after the primary key (added at the end when missing, so that every
    row has its own key). KeysetError when a term is an expression other than a field or is a relation."""
    model = queryset.model
    if queryset.query.order_by:
        ordering = list(queryset.query.order_by)
    else:
        ordering = list(queryset.query.get_meta().ordering or [])
    terms = []
    for term in ordering:
        terms.append(_term(model, term))
        if terms[-1].field.primary_key and LOOKUP_SEP not in terms[-1].path:
            return terms
    descending = bool(terms) and terms[-1].descending
    terms.append(Term("pk", descending, not descending, model._meta.pk))
    return terms


def _after(term, value):
    """Rows whose value of `term` comes after `value` in its direction and NULL placement."""
    if value is None:
        return Q(pk__in=[]) if term.nulls_last else Q(**{f"{term.path}__isnull": False})
    later = Q(**{f"{term.path}__lt" if term.descending else f"{term.path}__gt": value})
    if term.nulls_last and term.field.null:
        later |= Q(**{f"{term.path}__isnull": True})
    return later


def _same(term, value):
    return Q(**{f"{term.path}__isnull": True}) if value is None else Q(**{term.path: value})


def _order(terms):
    return [OrderBy(F(t.path), descending=t.descending, nulls_last=t.nulls_last or None,
                    nulls_first=(not t.nulls_last) or None) for t in terms]


def keyset_filter(queryset, terms, key, *, backwards=False):
    """`queryset` cut to the rows after `key` (before it, with backwards=True) in the order of `terms`, and
    ordered that way (reversed backwards). The first term's bound is stated on its own as well: it is the range an
    index on the ordering starts its read at."""
    if backwards:
        terms = [term.reversed() for term in terms]
    condition, equal = Q(pk__in=[]), Q()
    for term, value in zip(terms, key):
        condition |= equal & _after(term, value)
        equal &= _same(term, value)
    first = terms[0]
    if key[0] is not None and not first.field.null:
        condition &= Q(**{f"{first.path}__lte" if first.descending else f"{first.path}__gte": key[0]})
    return queryset.filter(condition).order_by(*_order(terms))


def keyset_encode(terms, key, *, backwards=False):
    """An opaque cursor for the row with `key` (values of `terms`): url-safe base64 of JSON."""
    body = {"o": [term.label for term in terms], "k": key, "b": int(backwards)}
    return base64.urlsafe_b64encode(json.dumps(body, cls=DjangoJSONEncoder, separators=(",", ":")).encode()
                                    ).decode().rstrip("=")


def keyset_decode(terms, cursor):
    """(key, backwards) of a cursor made by keyset_encode for the same ordering; KeysetError for anything else."""
    try:
        body = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
        ordering, raw, backwards = body["o"], body["k"], body["b"]
    except (ValueError, TypeError, KeyError, UnicodeDecodeError, binascii.Error) as exc:
        raise KeysetError("unreadable") from exc
    if ordering != [term.label for term in terms]:
        raise KeysetError("another ordering")
    if not isinstance(raw, list) or len(raw) != len(terms) or backwards not in (0, 1):
        raise KeysetError("wrong shape")
    key = []
    for term, value in zip(terms, raw):
        if value is None:
            key.append(None)
            continue
        if isinstance(value, (list, dict, bool)):
            raise KeysetError("wrong value")
        target = term.field.target_field if term.field.is_relation else term.field
        try:
            value = target.to_python(value)
            target.run_validators(value)  # an integer out of the column's range, a text over its length
        except (ValidationError, ValueError, TypeError, OverflowError) as exc:
            raise KeysetError("wrong value") from exc
        if isinstance(value, str) and "\x00" in value:
            raise KeysetError("wrong value")  # PostgreSQL refuses NUL in text
        key.append(value)
    return key, bool(backwards)


def keyset_page(queryset, *, size, cursor=None):
    """One keyset page of `queryset`: (rows, cursor before them or None, cursor after them or None). `cursor` is
    None or "" for the first page, else one of the cursors an earlier page returned. One query; KeysetError
    for a cursor that does not fit."""
    terms = keyset_terms(queryset)
    names = [f"keyset_{n}" for n in range(len(terms))]
    keyed = queryset.annotate(**{name: F(term.path) for name, term in zip(names, terms)})
    if cursor:
        key, backwards = keyset_decode(terms, cursor)
        keyed = keyset_filter(keyed, terms, key, backwards=backwards)
    else:
        key, backwards = None, False
        keyed = keyed.order_by(*_order(terms))
    rows = list(keyed[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    keys = [[row[name] if isinstance(row, dict) else getattr(row, name) for name in names] for row in rows]
    if backwards:
        before = keyset_encode(terms, keys[0], backwards=True) if rows and more else None
        after = keyset_encode(terms, keys[-1]) if rows else (keyset_encode(terms, key) if key else None)
    elif key is None:
        before, after = None, (keyset_encode(terms, keys[-1]) if more else None)
    else:
        before = keyset_encode(terms, keys[0] if rows else key, backwards=True)
        after = keyset_encode(terms, keys[-1]) if rows and more else None
    return rows, before, after
