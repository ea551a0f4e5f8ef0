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
"""

from dataclasses import dataclass, field
from typing import Any, Callable

from accounts.scopes import Scope

_FIGURES = {}


@dataclass(frozen=True)
class Figure:
    key: str
    title: Any
    order: int
    compute: Callable
    present: Callable


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

    def q(self, prefix="node__"):
        """The scope's condition on a model pointing at OrgNode through `prefix` ("" for OrgNode itself)."""
        return self.scope.nodes_q(prefix=prefix)


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


def figure(key, *, title, order, present):
    """Decorator: register `compute` as the dashboard figure `key`."""

    def wrap(compute):
        _FIGURES[key] = Figure(key=key, title=title, order=order, compute=compute, present=present)
        return compute

    return wrap


def figures():
    return sorted(_FIGURES.values(), key=lambda f: (f.order, f.key))
