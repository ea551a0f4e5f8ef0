"""Points 积分: entries added, taken away and corrected by the secretaries of the member's area."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scopes import resolve_scope
from core.errors import PermissionDenied, ValidationError

from .models import PointCategory, PointEntry


def point_entry_clean(*, member, on, category, points, reason, today=None):
    """The rules of a points entry, without writing it: returns the unsaved entry or raises ValidationError
    (shared by point_entry_create and the spreadsheet import, which checks the scope for the whole file)."""
    errors = {}
    try:
        value = Decimal(str(points)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite() or value == 0 or abs(value) > 100:
        errors["points"] = [_("Points are a non-zero number between -100 and 100, to one decimal place.")]
    if category not in PointCategory.values:
        errors["category"] = [_("Choose a category.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Say why the points are given or taken.")]
    elif len(reason.strip()) > PointEntry._meta.get_field("reason").max_length:
        errors["reason"] = [_("At most %(max)s characters.") % {"max": PointEntry._meta.get_field("reason").max_length}]
    if on is None:
        errors["on"] = [_("Give the date.")]
    elif on > (today or timezone.localdate()):
        errors["on"] = [_("The date cannot be in the future.")]
    if errors:
        raise ValidationError(errors)
    return PointEntry(member=member, on=on, category=category, points=value, reason=reason.strip())


@transaction.atomic
def point_entry_create(*, actor, member, on, category, points, reason, today=None):
    """Add (or, negative, take away) points for a member in the actor's area, with the reason."""
    if not resolve_scope(actor).covers(member.org, write=True):
        raise PermissionDenied(_("This party member is outside your area."))
    entry = point_entry_clean(member=member, on=on, category=category, points=points, reason=reason, today=today)
    entry.recorded_by = actor
    entry._history_user = actor
    entry.save()
    return entry


@transaction.atomic
def point_entry_update(*, actor, entry, today=None, **changes):
    """Correct an entry (date, category, points, reason) in the actor's area; the history keeps the old values."""
    entry = PointEntry.objects.select_for_update(of=("self",)).select_related("member__org").get(pk=entry.pk)
    if not resolve_scope(actor).covers(entry.member.org, write=True):
        raise PermissionDenied(_("This party member is outside your area."))
    unknown = set(changes) - {"on", "category", "points", "reason"}
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in unknown})
    values = {"on": entry.on, "category": entry.category, "points": entry.points, "reason": entry.reason, **changes}
    # The same rules as a new entry, checked without writing one.
    sid = transaction.savepoint()
    try:
        checked = point_entry_create(actor=actor, member=entry.member, today=today, **values)
    finally:
        transaction.savepoint_rollback(sid)
    entry.on, entry.category, entry.points, entry.reason = checked.on, checked.category, checked.points, checked.reason
    entry._history_user = actor
    entry.save()
    return entry


@transaction.atomic
def point_entry_award(*, actor, member, on, category, points, reason, today=None):
    """Points a member earns for taking part in something the actor verified outside member work (attendance
    checked in at a service-center activity, volunteering hours a team recorded). The caller has already checked
    the actor's own rule for that act (the activity's center, the team), so the member's area is not required;
    the entry names the actor and the reason, as every entry does, and its history starts with the actor."""
    entry = point_entry_clean(member=member, on=on, category=category, points=points, reason=reason, today=today)
    entry.recorded_by = actor
    entry._history_user = actor
    entry.save()
    return entry
