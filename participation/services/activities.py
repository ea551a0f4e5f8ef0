"""Service-center activities: published by the center's staff, signed up for and cancelled by residents (the
place taken by one conditional UPDATE), checked in, a linked member's points awarded."""

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scopes import publishes_activities_at
from core.errors import ConflictError, PermissionDenied, ValidationError
from inbox.services import message_send
from members.points.models import PointCategory
from members.points.services import point_entry_award
from members.selfservice.selectors import linked_member

from ..models import Activity, ActivityKind, ActivityStatus, Signup, SignupStatus
from .common import _decimal, _require_signed_in, _save

ACTIVITY_FULL = "activity_full"
ALREADY_SIGNED_UP = "already_signed_up"


def _require_center(actor, center_id):
    if not publishes_activities_at(actor, center_id):
        raise PermissionDenied(_("Only this center's staff may do that."))


def _activity_errors(*, center, room, starts_at, ends_at, capacity, signup_opens, signup_closes, title, kind, points,
                     now):
    errors = {}
    if kind not in ActivityKind.values:
        errors["kind"] = [_("Choose a kind of activity.")]
    if not (title or "").strip():
        errors["title"] = [_("Give a title.")]
    if starts_at is None or ends_at is None or ends_at <= starts_at:
        errors["ends_at"] = [_("The end must come after the start.")]
    elif ends_at - starts_at > datetime.timedelta(days=1):
        errors["ends_at"] = [_("An activity lasts at most a day.")]
    if not isinstance(capacity, int) or not 1 <= capacity <= 10_000:
        errors["capacity"] = [_("Places are a whole number from 1 to 10,000.")]
    if signup_opens and signup_closes and signup_closes <= signup_opens:
        errors["signup_closes"] = [_("Sign-up must close after it opens.")]
    if signup_closes and ends_at and signup_closes > ends_at:
        errors["signup_closes"] = [_("Sign-up closes before the activity ends.")]
    if room is not None and room.center_id != center.pk:
        errors["room"] = [_("Choose a room of this center.")]
    _decimal(points, "points", Decimal("0"), Decimal("20"), errors)
    return errors


@transaction.atomic
def activity_publish(*, actor, center, kind, title, starts_at, ends_at, capacity, description="", room=None,
                     signup_opens=None, signup_closes=None, points=0, team=None, now=None):
    """Staff publish an activity of their center with its places and sign-up window (default: from now until
    its start)."""
    _require_signed_in(actor)
    _require_center(actor, center.pk)
    now = now or timezone.now()
    signup_opens = signup_opens or now
    signup_closes = signup_closes or starts_at
    errors = _activity_errors(center=center, room=room, starts_at=starts_at, ends_at=ends_at, capacity=capacity,
                              signup_opens=signup_opens, signup_closes=signup_closes, title=title, kind=kind,
                              points=points, now=now)
    if starts_at is not None and starts_at < now:
        errors["starts_at"] = [_("The activity must start in the future.")]
    if errors:
        raise ValidationError(errors)
    return _save(Activity(
        center=center, room=room, team=team, kind=kind, title=title.strip()[:100], description=(description or "")[:2000],
        starts_at=starts_at, ends_at=ends_at, capacity=capacity, signup_opens=signup_opens,
        signup_closes=signup_closes, points=Decimal(str(points)), created_by=actor,
    ), actor)


@transaction.atomic
def activity_update(*, actor, activity, **changes):
    """Change an activity; its places never drop below those already taken."""
    activity = Activity.objects.select_for_update().select_related("center").get(pk=activity.pk)
    _require_center(actor, activity.center_id)
    allowed = {"title", "description", "starts_at", "ends_at", "capacity", "signup_opens", "signup_closes", "points",
               "room", "kind"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in unknown})
    for name, value in changes.items():
        setattr(activity, name, value)
    errors = _activity_errors(center=activity.center, room=activity.room, starts_at=activity.starts_at,
                              ends_at=activity.ends_at, capacity=activity.capacity, signup_opens=activity.signup_opens,
                              signup_closes=activity.signup_closes, title=activity.title, kind=activity.kind,
                              points=activity.points, now=timezone.now())
    if isinstance(activity.capacity, int) and activity.capacity < activity.signed_up:
        errors["capacity"] = [_("%(n)d people have already signed up.") % {"n": activity.signed_up}]
    if errors:
        raise ValidationError(errors)
    return _save(activity, actor)


@transaction.atomic
def activity_cancel(*, actor, activity, reason):
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    _require_center(actor, activity.center_id)
    if activity.status == ActivityStatus.CANCELLED:
        raise ValidationError({"status": [_("This activity is already cancelled.")]})
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the activity is cancelled.")]})
    activity.status = ActivityStatus.CANCELLED
    _save(activity, actor)
    for signup in activity.signups.filter(status=SignupStatus.SIGNED_UP).select_related("user"):
        message_send(recipient=signup.user, kind="activity_cancelled", key=f"activity:{activity.pk}:cancelled",
                     subject=_("Cancelled: %(title)s") % {"title": activity.title}, body=reason.strip(),
                     url=reverse("participation:activities"))
    return activity


def signup_create(*, actor, activity, now=None):
    """Sign the actor up for an activity. ConflictError `activity_full` (409) when no place is left,
    `already_signed_up` for a second sign-up; ValidationError (400) outside the sign-up window.

    The place is taken by one conditional UPDATE (signed_up < capacity) that locks the activity's row, so
    concurrent sign-ups queue on it and the last place goes to exactly one of them; the partial unique index on
    (activity, user) refuses a second sign-up even when two arrive at once."""
    _require_signed_in(actor)
    now = now or timezone.now()
    with transaction.atomic():
        if activity.status != ActivityStatus.PUBLISHED:
            raise ValidationError({"activity": [_("This activity was cancelled.")]})
        if now < activity.signup_opens:
            raise ValidationError({"activity": [_("Sign-up opens on %(when)s.") % {
                "when": timezone.localtime(activity.signup_opens).strftime("%Y-%m-%d %H:%M")}]})
        if now >= activity.signup_closes:
            raise ValidationError({"activity": [_("Sign-up for this activity has closed.")]})
        if Signup.objects.filter(activity=activity, user=actor, status__in=["signed_up", "attended"]).exists():
            raise ConflictError(_("You have already signed up for this activity."), code=ALREADY_SIGNED_UP)
        taken = Activity.objects.filter(
            pk=activity.pk, status=ActivityStatus.PUBLISHED, signed_up__lt=F("capacity"),
        ).update(signed_up=F("signed_up") + 1)
        if not taken:
            raise ConflictError(_("This activity is full."), code=ACTIVITY_FULL)
        try:
            with transaction.atomic():
                signup = _save(Signup(activity=activity, user=actor), actor)
        except IntegrityError:
            raise ConflictError(_("You have already signed up for this activity."), code=ALREADY_SIGNED_UP)
        activity.refresh_from_db(fields=["signed_up"])
        return signup


@transaction.atomic
def signup_cancel(*, actor, signup, now=None):
    """The resident cancels their own sign-up before the activity starts (center staff may too); the place
    frees at once."""
    now = now or timezone.now()
    signup = Signup.objects.select_for_update(of=("self",)).select_related("activity").get(pk=signup.pk)
    if signup.user_id != actor.pk and not publishes_activities_at(actor, signup.activity.center_id):
        raise PermissionDenied(_("You may cancel only your own sign-ups."))
    if signup.status != SignupStatus.SIGNED_UP:
        raise ValidationError({"status": [_("Only a sign-up not yet attended can be cancelled.")]})
    if now >= signup.activity.starts_at:
        raise ValidationError({"activity": [_("The activity has started.")]})
    signup.status, signup.cancelled_at = SignupStatus.CANCELLED, now
    _save(signup, actor)
    Activity.objects.filter(pk=signup.activity_id, signed_up__gt=0).update(signed_up=F("signed_up") - 1)
    return signup


def _activity_category(kind):
    return {ActivityKind.VOLUNTEER: PointCategory.VOLUNTEER, ActivityKind.LECTURE: PointCategory.STUDY,
            ActivityKind.HEALTH: PointCategory.STUDY}.get(kind, PointCategory.ROLE)


@transaction.atomic
def signup_check_in(*, actor, signup, now=None):
    """Center staff check in a resident who came (from 30 minutes before the start until the end); a linked
    party member earns the activity's points (once: the entry is tied to the sign-up)."""
    now = now or timezone.now()
    signup = Signup.objects.select_for_update(of=("self",)).select_related("activity", "user").get(pk=signup.pk)
    activity = signup.activity
    _require_center(actor, activity.center_id)
    if signup.status != SignupStatus.SIGNED_UP:
        raise ValidationError({"status": [_("Only a signed-up resident can be checked in.")]})
    if not activity.starts_at - datetime.timedelta(minutes=30) <= now < activity.ends_at:
        raise ValidationError({"activity": [_("Check in from 30 minutes before the start until the end.")]})
    signup.status, signup.checked_in_at, signup.checked_in_by = SignupStatus.ATTENDED, now, actor
    member = linked_member(user=signup.user)
    if member is not None and activity.points > 0:
        signup.point_entry = point_entry_award(
            actor=actor, member=member, on=timezone.localdate(now), category=_activity_category(activity.kind),
            points=activity.points, reason=(_("Attended: %(title)s") % {"title": activity.title})[:150],
            today=timezone.localdate(now),
        )
    return _save(signup, actor)
