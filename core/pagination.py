"""Page counts that do not grow with the province.

Counting every row of a list costs as much as reading it: at province scale `SELECT count(*)` over two million
members takes longer than the page itself. `BoundedCountPaginator` counts exactly up to `EXACT_UP_TO` rows
(a count over a LIMITed subquery reads no more than that) and above it takes PostgreSQL's planner estimate for
the same query, marking the page's count as an estimate (`paginator.estimated`): "about 2,200,000" is what a
person reads there anyway, and every list a secretary works with stays exact.
"""

import json

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
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


class BoundedCountPaginator(Paginator):
    """A Paginator whose count is exact up to EXACT_UP_TO rows and PostgreSQL's estimate above it."""

    estimated = False

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
