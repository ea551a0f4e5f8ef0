"""Reads of dues: payments, what a member has paid up to, arrears and the organizations' totals."""

from django.db.models import Count, F, Max, Sum

from accounts.scopes import resolve_scope

from .models import DuesPayment


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
