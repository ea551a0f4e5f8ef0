"""Dues 党费: the amount due from the brackets, payments recorded month by month, and the monthly review by the
community and then the street."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scopes import resolve_scope, writes_above
from core.errors import PermissionDenied, ValidationError
from grids.models import Level

from .models import DuesPayment, DuesReview


def dues_monthly_amount(*, income_base, kind):
    """The monthly dues from the standard brackets (组织部 2008): salaried ≤3,000 yuan 0.5%, ≤5,000 1%,
    ≤10,000 1.5%, above 2%; retired ≤5,000 0.5%, above 1%; students, unemployed, on allowance 0.20 yuan.
    The rate applies to the whole base; rounded to the fen."""
    base = Decimal(str(income_base))
    if base < 0:
        raise ValidationError({"income_base": [_("The income base cannot be negative.")]})
    if kind == "low":
        return Decimal("0.20")
    if kind == "retired":
        rate = Decimal("0.005") if base <= 5000 else Decimal("0.01")
    elif kind == "employed":
        if base <= 3000:
            rate = Decimal("0.005")
        elif base <= 5000:
            rate = Decimal("0.01")
        elif base <= 10000:
            rate = Decimal("0.015")
        else:
            rate = Decimal("0.02")
    else:
        raise ValidationError({"kind": [_("Choose the kind of income.")]})
    return max((base * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), Decimal("0.20"))


def dues_clean(*, payment, kind, income_base, amount_paid=0, paid_on=None, paid_by=""):
    """Set a dues payment's figures by the rules (the amount due from the brackets; a payment needs its date, not
    in the future) without saving it; raises ValidationError. Shared by dues_record and the spreadsheet import."""
    errors = {}
    try:
        base = Decimal(str(income_base))
        if not base.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        base = None
        errors["income_base"] = [_("Enter an amount in yuan.")]
    try:
        paid = Decimal(str(amount_paid or 0))
        if not paid.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        paid = None
        errors["amount_paid"] = [_("Enter an amount in yuan.")]
    due = None
    if base is not None:
        try:
            due = dues_monthly_amount(income_base=base, kind=kind)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if base >= 10 ** 7:
            errors["income_base"] = [_("The amount is too large.")]
    if paid is not None and paid < 0:
        errors["amount_paid"] = [_("The amount paid cannot be negative.")]
    elif paid is not None and paid >= 10 ** 6:
        errors["amount_paid"] = [_("The amount is too large.")]
    if paid and not paid_on:
        errors["paid_on"] = [_("Give the date of the payment.")]
    if paid_on and paid_on > timezone.localdate():
        errors["paid_on"] = [_("The date cannot be in the future.")]
    if len((paid_by or "").strip()) > DuesPayment._meta.get_field("paid_by").max_length:
        errors["paid_by"] = [_("At most %(max)s characters.") % {
            "max": DuesPayment._meta.get_field("paid_by").max_length}]
    if errors:
        raise ValidationError(errors)
    payment.kind, payment.income_base, payment.amount_due = kind, base.quantize(Decimal("0.01")), due
    payment.amount_paid = paid.quantize(Decimal("0.01"))
    payment.paid_on, payment.paid_by = paid_on if paid else None, (paid_by or "").strip()
    return payment


@transaction.atomic
def dues_record(*, actor, member, month, kind, income_base, amount_paid=0, paid_on=None, paid_by=""):
    """Set (or update) a member's dues for a month; the amount due follows from the brackets. A payment short of
    the amount due leaves the rest in arrears."""
    if not resolve_scope(actor).covers(member.org, write=True):
        raise PermissionDenied(_("This party member is outside your area."))
    month = month.replace(day=1)
    payment = DuesPayment.objects.select_for_update().filter(member=member, month=month).first() or DuesPayment(
        member=member, month=month)
    dues_clean(payment=payment, kind=kind, income_base=income_base, amount_paid=amount_paid, paid_on=paid_on,
               paid_by=paid_by)
    payment.recorded_by = actor
    payment._history_user = actor
    payment.save()
    return payment


@transaction.atomic
def dues_review(*, actor, community, month, opinion=""):
    """Review a community's dues for a month: the community's own review first, then the street's (which needs
    the community's). The totals reviewed are kept with the review."""
    if community.level != 2:
        raise ValidationError({"org": [_("Dues are reviewed per community or village.")]})
    scope = resolve_scope(actor)
    street_level = writes_above(actor, community, Level.STREET)
    if not scope.covers(community, write=True):
        raise PermissionDenied(_("This organization is outside your area."))
    month = month.replace(day=1)
    done = set(DuesReview.objects.filter(org=community, month=month).values_list("level", flat=True))
    if DuesReview.Level.COMMUNITY not in done:
        level = DuesReview.Level.COMMUNITY
    elif street_level and DuesReview.Level.STREET not in done:
        level = DuesReview.Level.STREET
    elif DuesReview.Level.STREET in done:
        raise ValidationError({"month": [_("This month's dues are already reviewed by the community and the street.")]})
    else:
        raise PermissionDenied(_("The community has reviewed this month; the street reviews next."))
    totals = DuesPayment.objects.filter(member__org__path__startswith=community.path, month=month).aggregate(
        members=Count("pk"), due=Sum("amount_due"), paid=Sum("amount_paid"))
    if not totals["members"]:
        raise ValidationError({"month": [_("No dues are recorded for this month.")]})
    return DuesReview.objects.create(org=community, month=month, level=level, members=totals["members"],
                                     due=totals["due"], paid=totals["paid"], reviewed_by=actor, opinion=opinion)
