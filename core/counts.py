"""Per-row counts that cost a page, not a list.

`Count("attendance")` on a list joins every row of the list to every attendance row and groups the lot before
the page is cut: the first 50 meetings of a district cost a sort of all of them and of their attendance, and no
index helps. `count_of` is the same number as a correlated scalar subquery, read for the page's rows only
(through the index on the foreign key), so the list keeps the order of its own table and a page is a range of an
index over it."""

from django.db.models import F, Func, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce


def count_of(queryset, *, to=None):
    """An annotation: the number of rows of `queryset` (with `to`, those whose `to`, a foreign key to the annotated
    model, is the outer row), 0 when there are none. COUNT(*) as a plain function, so no GROUP BY: an index on
    `to` answers it alone."""
    if to is not None:
        queryset = queryset.filter(**{to: OuterRef("pk")})
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)
