"""Per-row counts that cost a page, not a list.

`Count("attendance")` on a list joins every row of the list to every attendance row and groups the lot before
the page is cut: the first 50 meetings of a district cost a sort of all of them and of their attendance, and no
index helps. `count_of` is the same number as a correlated subquery, read for the page's rows only (through
the index on the foreign key), so the list keeps the order of its own table and a page is a range of an index
over it."""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce


def count_of(queryset, *, to):
    """The number of rows of `queryset` whose `to` (a foreign key to the annotated model) is the outer row:
    an annotation, 0 when there are none. (COUNT(*), not of a column: an index on `to` answers it alone.)"""
    rows = queryset.filter(**{to: OuterRef("pk")}).order_by().values(to).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)
