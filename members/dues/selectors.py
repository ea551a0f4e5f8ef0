"""Reads of dues: payments, what a member has paid up to, arrears, the organizations' totals and the months
waiting for the community's or the street's review."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, CharField, Count, F, IntegerField, Max, Sum, When

from accounts.scopes import resolve_scope, writes_above
from grids.models import Level

from .models import DuesPayment, DuesReview

#: How many months back (the current one included) the review list looks.
REVIEW_MONTHS = 12


def dues_list(*, user, write=False):
    """Dues payments of members `user` may see (or change, with write=True)."""
    return DuesPayment.objects.filter(resolve_scope(user).nodes_q(write=write, prefix="member__org__")).select_related(
        "member__org")


def dues_paid_to(*, member):
    """The last month (its first day) up to which `member` has paid every month recorded, or None: what an
    introduction letter states as "dues paid up to". The caller has already checked the member is in scope."""
    unpaid = DuesPayment.objects.filter(member=member, amount_paid__lt=F("amount_due")).order_by("month").values(
        "month")[:1]
    paid = DuesPayment.objects.filter(member=member, amount_paid__gte=F("amount_due"))
    first_gap = unpaid.first()
    if first_gap is not None:
        paid = paid.filter(month__lt=first_gap["month"])
    return paid.aggregate(last=Max("month"))["last"]


def dues_arrears(*, user, until=None):
    """Payments short of the amount due, up to the month `until`, with what is missing: the arrears list."""
    qs = dues_list(user=user).filter(amount_paid__lt=F("amount_due"))
    if until is not None:
        qs = qs.filter(month__lte=until)
    return qs.annotate(missing=F("amount_due") - F("amount_paid")).order_by("member__org__path", "member__name",
                                                                            "month")


def dues_branch_totals(*, user, month):
    """Per organization holding members: due, paid and arrears for `month`, in one grouped query."""
    return (
        dues_list(user=user).filter(month=month.replace(day=1))
        .values("member__org__code", "member__org__name", "member__org__path")
        .annotate(members=Count("pk"), due=Sum("amount_due"), paid=Sum("amount_paid"),
                  arrears=Sum(F("amount_due") - F("amount_paid")))
        .order_by("member__org__path")
    )


@dataclass
class DuesMonthToReview:
    """One community's month of dues waiting for the user's review, with the totals a review would keep."""

    community_id: int
    community_name: str
    #: The community's tree path (what the scope rules read).
    path: str
    month: datetime.date
    members: int
    due: Decimal
    paid: Decimal
    #: The review the user would record: DuesReview.Level.COMMUNITY or .STREET.
    level: str

    @property
    def arrears(self):
        return max(self.due - self.paid, Decimal("0"))

    @property
    def month_key(self):
        return self.month.strftime("%Y-%m")

    @property
    def level_label(self):
        return DuesReview.Level(self.level).label


def _months_back(today, count):
    """The first day of the month `count - 1` months before `today`'s."""
    index = today.year * 12 + today.month - 1 - (count - 1)
    return datetime.date(index // 12, index % 12 + 1, 1)


def _community_of(field):
    """The community (or village) a member's organization belongs to: itself, its parent or its grandparent."""
    return Case(
        When(member__org__level=Level.COMMUNITY, then=F(f"member__org__{field}")),
        When(member__org__level=Level.GRID, then=F(f"member__org__parent__{field}")),
        When(member__org__level=Level.BUILDING_GROUP, then=F(f"member__org__parent__parent__{field}")),
        output_field=IntegerField() if field == "id" else CharField(),
    )


def dues_months_to_review(*, user, today):
    """The months of the last twelve (up to `today`'s, in local time) whose dues are recorded in a community
    `user` may change and wait for the user's review: for a community's secretary, months the community has not
    reviewed; for the street's secretary (or the district), months the community reviewed and the street has
    not. Each row carries the members, due and paid totals as the review would keep them; oldest month first.

    Two queries whatever the number of communities: the payments grouped by community and month, and the
    reviews recorded for those communities and months."""
    scope = resolve_scope(user)
    first, last = _months_back(today, REVIEW_MONTHS), today.replace(day=1)
    grouped = (
        DuesPayment.objects.filter(scope.nodes_q(write=True, prefix="member__org__"), month__gte=first,
                                   month__lte=last, member__org__level__gte=Level.COMMUNITY)
        .values("month", community_id=_community_of("id"), community_name=_community_of("name"),
                community_path=_community_of("path"))
        .annotate(members=Count("pk"), due=Sum("amount_due"), paid=Sum("amount_paid"))
        .order_by()
    )
    rows = []
    for g in grouped:
        if g["community_id"] is None or not scope.covers_path(g["community_path"], write=True):
            continue  # a grid leader's members: the community reviews them, not the grid
        row = DuesMonthToReview(g["community_id"], g["community_name"], g["community_path"], g["month"],
                                g["members"], g["due"], g["paid"], DuesReview.Level.COMMUNITY)
        if writes_above(user, row, Level.STREET):
            row.level = DuesReview.Level.STREET
        rows.append(row)
    if not rows:
        return []
    done = set(DuesReview.objects.filter(org_id__in={r.community_id for r in rows}, month__gte=first,
                                         month__lte=last).values_list("org_id", "month", "level"))
    waiting = []
    for row in rows:
        if (row.community_id, row.month, row.level) in done:
            continue
        if row.level == DuesReview.Level.STREET and (
                row.community_id, row.month, DuesReview.Level.COMMUNITY) not in done:
            continue  # the community reviews first
        waiting.append(row)
    return sorted(waiting, key=lambda r: (r.month, r.path))
