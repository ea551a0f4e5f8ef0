"""The dashboard's figures: a registry any app can add to.

A figure is two functions:

- `compute(ctx)` runs the queries, over the records of one scope (`ctx.q(prefix)` is the scope's condition
  on a model pointing at OrgNode through `prefix`), and returns JSON-able data. Its result is cached per
  scope and refreshed by the hourly job (dashboard/jobs.py); it never runs per request once cached.
- `present(data, view)` turns the data into a card (title, numbers, an ECharts option, a table) at request
  time, in the request's language, with no queries. `view` carries the chosen year.

An app adds its own figure from its AppConfig.ready():

    from dashboard.registry import figure

    figure("bookings", title=_("Room bookings"), order=90, present=present_bookings)(compute_bookings)

The figure then appears on every user's dashboard, cut to their scope, with no change here.

A figure whose `compute` reads only through `ctx.rows(queryset, prefix, *group_by, **aggregates)` and returns
`ctx.build(make, *rows)` (a pure function of those rows) is registered with `bulk=True`: the nightly refresh then
runs the very same function on a BulkContext, whose `rows()` group every street's (or community's) records at
once by the unit their node lies in, and whose `build()` gives {unit path: data} (services.compute_many).
Such a figure may also read, on either context: `ctx.tops()`, the scope's top nodes as rows for `build()` (the
street or community itself, on a BulkContext); `ctx.below(field)`, an SQL expression giving the path of the node
one level below the top that the node at path `field` lies in; and `ctx.below_q(prefix)`, the condition of being
such a node. Anything read for all units alike (a list of contests, the current quarter) may be read outside
`rows()`, as long as the number of queries does not depend on the number of units.
"""

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable

from django.db.models import Case, CharField, Count, F, Func, Q, Value, When
from django.db.models.functions import Concat

from accounts.scopes import Scope

_FIGURES = {}


@dataclass(frozen=True)
class Figure:
    key: str
    title: Any
    order: int
    compute: Callable
    present: Callable
    #: True when `compute` reads through `ctx.rows()` and `ctx.build()` alone, so that it also runs on a BulkContext.
    bulk: bool = False


@dataclass(frozen=True)
class ComputeContext:
    """What a figure's computation knows: the scope it computes for (never the requesting user)."""

    scope: Scope

    @property
    def district(self):
        return self.scope.read_all

    def as_user(self):
        """A stand-in user carrying this scope, for other apps' selectors that take `user` (read only)."""
        return ScopeUser(self.scope)

    def rows(self, queryset, prefix, *fields, **aggregates):
        """`queryset`'s records in the scope grouped by `fields` with `aggregates`: a list of dicts (no row when
        nothing is in the scope). With no fields, one row over the whole scope."""
        qs = queryset.filter(self.q(prefix)).order_by()
        if fields:
            return list(qs.values(*fields).annotate(**aggregates))
        return [row] if (row := _aggregate(qs, aggregates)) is not None else []

    def build(self, make, *groups):
        """`make(*groups)`: the figure's data from the rows that `rows()` returned (see BulkContext.build)."""
        return make(*groups)

    def tops(self):
        """The scope's top nodes as rows for `build()`: [{"path": ...}] (none for the district)."""
        return [] if self.scope.read_all else [{"path": path} for path in self.scope.read_paths]

    def below(self, field):
        """The path of the node one level below the scope's top (a street in the district, a community in a
        street...) that the node whose path is `field` lies in, as an SQL expression; for a top node itself it
        is no node's path."""
        if self.scope.read_all:
            return unit_path(field, 1)
        paths = self.scope.read_paths
        depths = {path.count("/") for path in paths}
        if len(depths) == 1:
            return unit_path(field, depths.pop())
        return Case(*(When(**{f"{field}__startswith": path}, then=unit_path(field, path.count("/")))
                      for path in paths), default=Value(""), output_field=CharField())

    def below_q(self, prefix=""):
        """The nodes one level below the scope's top (with `prefix`, on a model pointing at one)."""
        from grids.models import Level

        if self.scope.read_all:
            return Q(**{f"{prefix}level": Level.STREET})
        return Q(**{f"{prefix}parent__path__in": list(self.scope.read_paths)})

    @cached_property
    def nodes(self):
        """(id, path, name) of the scope's nodes: one indexed range scan on the path per root, once per computation."""
        from grids.models import OrgNode

        return list(OrgNode.objects.filter(self.scope.nodes_q()).order_by("path").values_list("pk", "path", "name"))

    @property
    def node_ids(self):
        return [pk for pk, _path, _name in self.nodes]

    def q(self, prefix="node__"):
        """The scope's condition on a model pointing at OrgNode through `prefix` ("" for OrgNode itself).

        Below the district it is `<fk> IN (the subtree's node ids)` rather than a join on the path: PostgreSQL then
        knows how few rows a street has and reads them through the foreign key's index, where a join on
        `path LIKE` let it scan the whole district's table."""
        if self.scope.read_all or not prefix:
            return self.scope.nodes_q(prefix=prefix)
        return Q(**{f"{prefix[:-2]}__in": self.node_ids})


def _aggregate(queryset, aggregates):
    # An aggregate over no record at all gives a row of zeros and Nones: told apart from a scope with records by the
    # count, so that the bulk computation (which has no row for an empty unit) builds the very same data.
    row = queryset.aggregate(_records=Count("pk"), **aggregates)
    return {k: v for k, v in row.items() if k != "_records"} if row["_records"] else None


def unit_path(field, depth):
    """The path of the ancestor at `depth` (1: the street, 2: the community) of the node whose path is `field`, as
    an SQL expression: "/S01/S01C02/G3/" at depth 2 is "/S01/S01C02/". Above that depth it is no unit's path."""
    parts = [Value("/")]
    for i in range(2, depth + 2):
        parts += [Func(F(field), Value("/"), Value(i), function="split_part", output_field=CharField()), Value("/")]
    return Concat(*parts, output_field=CharField())


@dataclass(frozen=True)
class BulkContext:
    """The same figures for every unit of one level at once (every street, or every community): each query of a
    figure that computes with `rows()` and `build()` only runs once for all of them, grouped by the unit its
    records lie in (the nightly refresh). `build` then returns {unit path: data}, the data being exactly what
    ComputeContext would give for that unit alone."""

    level: int
    paths: tuple

    district = False

    def rows(self, queryset, prefix, *fields, **aggregates):
        """{unit path: rows} (see ComputeContext.rows); a unit with no record has no entry."""
        qs = (queryset.filter(**{f"{prefix}level__gte": self.level}).order_by()
              .annotate(_unit=unit_path(f"{prefix}path", self.level)))
        if fields:
            grouped = qs.values("_unit", *fields).annotate(**aggregates)
        else:
            grouped = qs.values("_unit").annotate(_records=Count("pk"), **aggregates)
        wanted, result = set(self.paths), {}
        for row in grouped:
            unit = row.pop("_unit")
            row.pop("_records", None)
            if unit in wanted:
                result.setdefault(unit, []).append(row)
        return result

    def build(self, make, *groups):
        return {path: make(*(group.get(path, []) for group in groups)) for path in self.paths}

    def tops(self):
        """{unit path: [{"path": unit path}]}: each unit is its own scope's one top node."""
        return {path: [{"path": path}] for path in self.paths}

    def below(self, field):
        return unit_path(field, self.level + 1)

    def below_q(self, prefix=""):
        return Q(**{f"{prefix}level": self.level + 1})


class ScopeUser:
    """Not a real account: `resolve_scope()` finds the scope already cached on it and returns it."""

    is_authenticated = True
    is_active = True
    is_superuser = False
    is_anonymous = False
    pk = id = None

    def __init__(self, scope):
        from accounts import scopes

        setattr(self, getattr(scopes, "_CACHE_ATTR", "_jinshui_scope"), scope)


@dataclass
class Card:
    """What the page shows for one figure."""

    key: str
    title: Any
    stats: list = field(default_factory=list)  # (label, value, note) triples
    chart: dict | None = None  # an ECharts option
    chart_height: int = 280
    table: dict | None = None  # {"columns": [...], "rows": [[...], ...]}
    note: str = ""
    wide: bool = False

    @property
    def chart_id(self):
        return f"chart-data-{self.key}"


def figure(key, *, title, order, present, bulk=False):
    """Decorator: register `compute` as the dashboard figure `key` (`bulk`: it also computes on a BulkContext)."""

    def wrap(compute):
        _FIGURES[key] = Figure(key=key, title=title, order=order, compute=compute, present=present, bulk=bulk)
        return compute

    return wrap


def figures():
    return sorted(_FIGURES.values(), key=lambda f: (f.order, f.key))
