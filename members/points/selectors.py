"""Reads of points: entries and the branch rankings, cut to the user's scope."""

from django.db.models import DecimalField, Q, Sum, Value, Window
from django.db.models.functions import Coalesce, Rank

from accounts.scopes import resolve_scope
from members.records.models import Member

from .models import PointEntry


def point_entry_list(*, user, write=False):
    """Points entries of members `user` may see (or change, with write=True)."""
    return PointEntry.objects.filter(resolve_scope(user).nodes_q(write=write, prefix="member__org__")).select_related(
        "member__org", "recorded_by")


def points_ranking(*, user, branch, year):
    """Members under `branch` with their points total for `year` and rank (1 = most), in one query.
    Empty when the branch is outside the user's scope."""
    if branch is None or not resolve_scope(user).covers(branch):
        return Member.objects.none()
    return branch_ranking(branch, year).select_related("org")


def branch_ranking(branch, year):
    """Members under `branch` with `total` points in `year` and `rank` (1 = most): one query, no scope."""
    total = Coalesce(
        Sum("point_entries__points", filter=Q(point_entries__on__year=year)),
        Value(0), output_field=DecimalField(max_digits=7, decimal_places=1),
    )
    return (
        Member.objects.filter(org__path__startswith=branch.path)
        .annotate(total=total)
        .annotate(rank=Window(Rank(), order_by=total.desc()))
        .order_by("rank", "name", "pk")
    )
