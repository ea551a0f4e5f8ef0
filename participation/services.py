"""Writes of residents taking part. Every function is keyword-only and atomic, checks the actor against a named
rule of accounts.scopes, and records history with the actor.

A request's steps, an activity's sign-ups and a team's hours are rows of their own, so that the resident sees
each step and the figures count them.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, RoleGrant
from accounts.scopes import (
    brokers_resources_at,
    handles_requests_at,
    handles_routed_request,
    node_leaders,
    publishes_activities_at,
    runs_team_at,
)
from community.models import IssueCategory
from community.services import issue_create
from core.errors import ConflictError, PermissionDenied, ValidationError
from grids.models import Level
from inbox.services import message_send
from members.points.models import PointCategory
from members.points.services import point_entry_award
from members.selfservice.selectors import linked_member

from . import uploads
from .models import (
    OPEN_REQUEST_STATUSES,
    Activity,
    ActivityKind,
    ActivityStatus,
    Match,
    MatchStatus,
    Need,
    NeedStatus,
    RequestKind,
    RequestPhoto,
    RequestStatus,
    RequestStep,
    ResidentProfile,
    ResidentRequest,
    Resource,
    ResourceKind,
    ServiceKind,
    Signup,
    SignupStatus,
    TeamMembership,
    VolunteerHours,
    VolunteerTeam,
)

ACTIVITY_FULL = "activity_full"
ALREADY_SIGNED_UP = "already_signed_up"
#: Days the community has to answer a request before it is overdue and goes up to the street.
REQUEST_DAYS = 7
#: A request not accepted this many days after it was raised reminds the community.
ACCEPT_DAYS = 2
#: Open requests one resident may hold at once.
MAX_OPEN_REQUESTS = 10
#: Volunteering points per hour, and at most per entry.
POINTS_PER_HOUR = Decimal("1")
MAX_HOURS_POINTS = Decimal("8")


def _require_signed_in(actor):
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied(_("Sign in first."))


def _save(obj, actor, **kwargs):
    obj._history_user = actor
    obj.save(**kwargs)
    return obj


def _community(node):
    if node is None or node.level != Level.COMMUNITY:
        raise ValidationError({"community": [_("Choose a community or village.")]})
    return node


# --- the resident's profile ----------------------------------------------------------------------------------------


@transaction.atomic
def profile_choose_community(*, actor, community, phone=""):
    """The resident chooses their community, once; later changes are made by staff in the admin."""
    _require_signed_in(actor)
    _community(community)
    if ResidentProfile.objects.filter(user=actor).exists():
        raise ValidationError({"community": [_("Your community is already chosen; ask your community to change it.")]})
    profile = ResidentProfile(user=actor, community=community, phone=(phone or "")[:20])
    try:
        with transaction.atomic():
            return _save(profile, actor)
    except IntegrityError:
        raise ValidationError({"community": [_("Your community is already chosen; ask your community to change it.")]})


# --- requests ------------------------------------------------------------------------------------------------------


def _step(request, status, actor, note=""):
    RequestStep.objects.create(request=request, status=status, actor=actor, note=(note or "")[:500])


def _tell_resident(request, event, subject):
    message_send(recipient=request.resident, kind=f"request_{event}", key=f"request:{request.pk}:{event}",
                 subject=subject, body=request.title, url=reverse("participation:request", args=[request.pk]))


def _tell_community(request, event, subject, *, roles=(Role.COMMUNITY_SECRETARY,), node_ids=None):
    leaders = node_leaders(node_ids=node_ids or [request.community_id], roles=roles)
    for users in leaders.values():
        for user in users:
            message_send(recipient=user, kind=f"request_{event}", key=f"request:{request.pk}:{event}",
                         subject=subject, body=request.title, url=reverse("participation:request", args=[request.pk]))


def _center_staff(center_id):
    return [g.user for g in RoleGrant.objects.filter(role=Role.CENTER_STAFF, center_id=center_id,
                                                     user__is_active=True).select_related("user")]


@transaction.atomic
def request_create(*, actor, kind, title, body, community, service="", photos=(), today=None):
    """A resident raises an issue or asks for a one-stop service in a community; ValidationError (400) on bad input.
    Photos are checked (number, size, type by content) before anything is written."""
    _require_signed_in(actor)
    today = today or timezone.localdate()
    errors = {}
    if kind not in RequestKind.values:
        errors["kind"] = [_("Choose an issue or a service.")]
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        errors["title"] = [_("Give a short title.")]
    elif len(title) > 100:
        errors["title"] = [_("At most %(n)d characters.") % {"n": 100}]
    if not body:
        errors["body"] = [_("Describe the matter.")]
    elif len(body) > 2000:
        errors["body"] = [_("At most %(n)d characters.") % {"n": 2000}]
    if community is None or community.level != Level.COMMUNITY:
        errors["community"] = [_("Choose a community or village.")]
    service = service or ""
    if kind == RequestKind.SERVICE:
        service = service or ServiceKind.OTHER
        if service not in ServiceKind.values:
            errors["service"] = [_("Choose a service.")]
    elif service:
        errors["service"] = [_("Only a service request names a service.")]
    if errors:
        raise ValidationError(errors)
    checked = uploads.check_photos(photos)
    open_count = ResidentRequest.objects.filter(resident=actor, status__in=OPEN_REQUEST_STATUSES).count()
    if open_count >= MAX_OPEN_REQUESTS:
        raise ValidationError({"non_field_errors": [
            _("You have %(n)d requests still open; wait for an answer before raising more.") % {"n": open_count}]})
    request = _save(ResidentRequest(
        resident=actor, community=community, kind=kind, service=service, title=title, body=body,
        due_on=today + datetime.timedelta(days=REQUEST_DAYS),
    ), actor)
    for upload, content_type, extension in checked:
        photo = RequestPhoto(request=request, token=uploads.new_token(), extension=extension,
                             content_type=content_type, size=upload.size)
        photo.image.save(f"{photo.token}.{extension}", upload, save=False)
        photo.save()
    _step(request, RequestStatus.SUBMITTED, actor)
    _tell_community(request, "new", _("New request from a resident: %(title)s") % {"title": title})
    return request


def _locked(request):
    return ResidentRequest.objects.select_for_update(of=("self",)).select_related(
        "community", "resident", "center").get(pk=request.pk)


def _require_community_side(actor, request):
    if not handles_requests_at(actor, request.community):
        raise PermissionDenied(_("Only the community's side handles this request."))


def _require_handler(actor, request):
    if not handles_routed_request(actor, request.community, request.center_id):
        raise PermissionDenied(_("Only the community's side or the center it was routed to handles this request."))


@transaction.atomic
def request_accept(*, actor, request, note=""):
    """The community accepts a request; an issue enters the community's 一征三议两公开 record."""
    request = _locked(request)
    _require_community_side(actor, request)
    if request.status != RequestStatus.SUBMITTED:
        raise ValidationError({"status": [_("Only a submitted request can be accepted.")]})
    if request.kind == RequestKind.ISSUE and request.issue_id is None:
        request.issue = issue_create(actor=actor, node=request.community, title=request.title[:200],
                                     raised_on=timezone.localdate(request.created_at),
                                     category=IssueCategory.OTHER)
    request.status = RequestStatus.ACCEPTED
    _save(request, actor)
    _step(request, RequestStatus.ACCEPTED, actor, note)
    _tell_resident(request, "accepted", _("Your request was accepted: %(title)s") % {"title": request.title})
    return request


@transaction.atomic
def request_route(*, actor, request, center, note=""):
    """The community routes a request to a service center (the resident service hall's one-stop services)."""
    request = _locked(request)
    _require_community_side(actor, request)
    if request.status not in (RequestStatus.SUBMITTED, RequestStatus.ACCEPTED):
        raise ValidationError({"status": [_("Only a submitted or accepted request can be routed.")]})
    if center is None:
        raise ValidationError({"center": [_("Choose a service center.")]})
    request.status, request.center = RequestStatus.ROUTED, center
    _save(request, actor)
    _step(request, RequestStatus.ROUTED, actor, note or center.name)
    for user in _center_staff(center.pk):
        message_send(recipient=user, kind="request_routed", key=f"request:{request.pk}:routed:{center.pk}",
                     subject=_("A request was routed to your center: %(title)s") % {"title": request.title},
                     body=request.body[:500], url=reverse("participation:request", args=[request.pk]))
    _tell_resident(request, "routed", _("Your request was passed to %(center)s") % {"center": center.name})
    return request


@transaction.atomic
def request_answer(*, actor, request, answer):
    request = _locked(request)
    _require_handler(actor, request)
    if request.status not in OPEN_REQUEST_STATUSES:
        raise ValidationError({"status": [_("This request is no longer open.")]})
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": [_("Write the answer.")]})
    request.status, request.answer, request.answered_at = RequestStatus.ANSWERED, answer[:2000], timezone.now()
    _save(request, actor)
    _step(request, RequestStatus.ANSWERED, actor, answer)
    _tell_resident(request, "answered", _("Your request was answered: %(title)s") % {"title": request.title})
    return request


@transaction.atomic
def request_decline(*, actor, request, reason):
    request = _locked(request)
    _require_community_side(actor, request)
    if request.status not in OPEN_REQUEST_STATUSES:
        raise ValidationError({"status": [_("This request is no longer open.")]})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the request is declined.")]})
    request.status, request.answer, request.closed_at = RequestStatus.DECLINED, reason[:2000], timezone.now()
    _save(request, actor)
    _step(request, RequestStatus.DECLINED, actor, reason)
    _tell_resident(request, "declined", _("Your request was declined: %(title)s") % {"title": request.title})
    return request


@transaction.atomic
def request_close(*, actor, request, note=""):
    """Close an answered request: its resident, the community's side, or the center it was routed to."""
    request = _locked(request)
    if request.resident_id != actor.pk:
        _require_handler(actor, request)
    if request.status != RequestStatus.ANSWERED:
        raise ValidationError({"status": [_("Only an answered request can be closed.")]})
    request.status, request.closed_at = RequestStatus.CLOSED, timezone.now()
    _save(request, actor)
    _step(request, RequestStatus.CLOSED, actor, note)
    return request


@transaction.atomic
def request_rate(*, actor, request, rating, comment=""):
    """The resident rates the result of their own answered or closed request, once; an answered one closes."""
    request = _locked(request)
    if request.resident_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the resident who raised the request rates it."))
    if request.status not in (RequestStatus.ANSWERED, RequestStatus.CLOSED):
        raise ValidationError({"rating": [_("Rate the result once the request is answered.")]})
    if request.rating is not None:
        raise ValidationError({"rating": [_("You have already rated this request.")]})
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": [_("Give 1 to 5 stars.")]})
    request.rating, request.rating_comment = rating, (comment or "").strip()[:200]
    if request.status == RequestStatus.ANSWERED:
        request.status, request.closed_at = RequestStatus.CLOSED, timezone.now()
        _step(request, RequestStatus.CLOSED, actor, _("Rated %(n)d of 5") % {"n": rating})
    _save(request, actor)
    return request


def requests_overdue(*, day):
    """Remind the community of requests not accepted in time and escalate overdue ones to the street: once each
    (messages have keys, an escalation is dated). Returns (reminded, escalated)."""
    reminded = escalated = 0
    late_accept = ResidentRequest.objects.filter(
        status=RequestStatus.SUBMITTED, created_at__date__lte=day - datetime.timedelta(days=ACCEPT_DAYS),
    ).select_related("community")
    for request in late_accept:
        _tell_community(request, "remind", _("Still waiting to be accepted: %(title)s") % {"title": request.title})
        reminded += 1
    overdue = ResidentRequest.objects.select_for_update(of=("self",)).filter(
        status__in=OPEN_REQUEST_STATUSES, due_on__lt=day, escalated_at__isnull=True,
    ).select_related("community__parent", "resident")
    for request in overdue:
        request.escalated_at = timezone.now()
        _save(request, None)
        _step(request, request.status, None, _("Overdue since %(day)s: passed to the street.") % {
            "day": request.due_on.isoformat()})
        _tell_community(request, "escalated",
                        _("Overdue request in %(community)s: %(title)s") % {
                            "community": request.community.name, "title": request.title},
                        roles=(Role.STREET_SECRETARY,), node_ids=[request.community.parent_id])
        _tell_community(request, "overdue", _("Overdue, passed to the street: %(title)s") % {"title": request.title})
        escalated += 1
    return reminded, escalated


# --- activities ----------------------------------------------------------------------------------------------------


def _require_center(actor, center_id):
    if not publishes_activities_at(actor, center_id):
        raise PermissionDenied(_("Only this center's staff may do that."))


def _decimal(value, field, low, high, errors):
    try:
        number = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        number = None
    if number is None or not number.is_finite() or not low <= number <= high:
        errors[field] = [_("A number from %(low)s to %(high)s.") % {"low": low, "high": high}]
        return None
    return number


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


# --- volunteer teams -----------------------------------------------------------------------------------------------


@transaction.atomic
def team_create(*, actor, node, name, kind, charter, founded_on, leader=None):
    if node is None or not runs_team_at(actor, node):
        raise PermissionDenied(_("This organization is outside your area."))
    errors = {}
    if node.level not in (Level.COMMUNITY, Level.GRID, Level.BUILDING_GROUP):
        errors["node"] = [_("A team belongs to a community, a grid or a building group.")]
    if not (name or "").strip():
        errors["name"] = [_("Give the team's name.")]
    if not (charter or "").strip():
        errors["charter"] = [_("Write the team's charter.")]
    if errors:
        raise ValidationError(errors)
    if VolunteerTeam.objects.filter(node=node, name=name.strip()).exists():
        raise ValidationError({"name": [_("This community already has a team of that name.")]})
    return _save(VolunteerTeam(node=node, name=name.strip()[:100], kind=kind, charter=charter.strip()[:4000],
                               founded_on=founded_on, leader=leader), actor)


def _display_name(user):
    return (user.get_full_name() or user.username)[:50]


@transaction.atomic
def team_join(*, actor, team, today=None):
    """A resident joins a team themselves (a linked party member joins as one)."""
    _require_signed_in(actor)
    if not team.active:
        raise ValidationError({"team": [_("This team no longer takes members.")]})
    if TeamMembership.objects.filter(team=team, user=actor, left_on__isnull=True).exists():
        raise ConflictError(_("You are already on this team."), code="already_member")
    try:
        with transaction.atomic():
            return _save(TeamMembership(team=team, user=actor, member=linked_member(user=actor),
                                        name=_display_name(actor), joined_on=today or timezone.localdate()), actor)
    except IntegrityError:
        raise ConflictError(_("You are already on this team."), code="already_member")


@transaction.atomic
def team_add_member(*, actor, team, name, joined_on, user=None, member=None):
    if not runs_team_at(actor, team.node, leader_id=team.leader_id):
        raise PermissionDenied(_("Only the team's leader or its community keeps the roster."))
    if not (name or "").strip():
        raise ValidationError({"name": [_("Give the member's name.")]})
    return _save(TeamMembership(team=team, user=user, member=member, name=name.strip()[:50], joined_on=joined_on),
                 actor)


@transaction.atomic
def team_leave(*, actor, membership, today=None):
    if membership.user_id != actor.pk and not runs_team_at(actor, membership.team.node,
                                                          leader_id=membership.team.leader_id):
        raise PermissionDenied(_("You may leave only your own teams."))
    if membership.left_on is not None:
        raise ValidationError({"left_on": [_("Already left.")]})
    membership.left_on = max(today or timezone.localdate(), membership.joined_on)
    return _save(membership, actor)


@transaction.atomic
def hours_record(*, actor, membership, on, hours, what, activity=None, today=None):
    """The team's leader (or its community) records hours a member gave; a party member earns volunteering
    points for them (one point an hour, at most eight an entry)."""
    membership = TeamMembership.objects.select_related("team__node", "member", "user").get(pk=membership.pk)
    team = membership.team
    if not runs_team_at(actor, team.node, leader_id=team.leader_id):
        raise PermissionDenied(_("Only the team's leader or its community records hours."))
    today = today or timezone.localdate()
    errors = {}
    value = _decimal(hours, "hours", Decimal("0.5"), Decimal("24"), errors)
    if on is None or on > today:
        errors["on"] = [_("The date cannot be in the future.")]
    elif on < membership.joined_on:
        errors["on"] = [_("Before the member joined the team.")]
    if not (what or "").strip():
        errors["what"] = [_("Say what was done.")]
    if errors:
        raise ValidationError(errors)
    if VolunteerHours.objects.filter(membership=membership, on=on, what=what.strip()[:200]).exists():
        raise ConflictError(_("These hours are already recorded."), code="hours_recorded")
    entry = VolunteerHours(membership=membership, on=on, hours=value, what=what.strip()[:200], activity=activity,
                           recorded_by=actor)
    member = membership.member or (linked_member(user=membership.user) if membership.user_id else None)
    if member is not None:
        entry.point_entry = point_entry_award(
            actor=actor, member=member, on=on, category=PointCategory.VOLUNTEER,
            points=min(value * POINTS_PER_HOUR, MAX_HOURS_POINTS),
            reason=(_("%(team)s: %(what)s") % {"team": team.name, "what": what.strip()})[:150], today=today,
        )
    return _save(entry, actor)


# --- the 智库 ---------------------------------------------------------------------------------------------------------


def tree_distance(path_a, path_b):
    """Steps between two nodes of the tree through their closest common ancestor (0: the same node)."""
    a, b = path_a.strip("/").split("/"), path_b.strip("/").split("/")
    common = 0
    for x, y in zip(a, b):
        if x != y:
            break
        common += 1
    return (len(a) - common) + (len(b) - common)


def _require_broker(actor, node):
    if not brokers_resources_at(actor, node):
        raise PermissionDenied(_("This organization is outside your area."))


@transaction.atomic
def resource_offer(*, actor, kind, title, unit=None, partner=None, node=None, description=""):
    """Record what a resident unit (at its own node) or a center's partner (at the center's street) offers."""
    if (unit is None) == (partner is None):
        raise ValidationError({"unit": [_("Name the resident unit or the partner organization that offers it.")]})
    node = unit.node if unit is not None else (node or partner.center.street)
    _require_broker(actor, node)
    errors = {}
    if kind not in ResourceKind.values:
        errors["kind"] = [_("Choose what is offered.")]
    if not (title or "").strip():
        errors["title"] = [_("Give a title.")]
    if errors:
        raise ValidationError(errors)
    return _save(Resource(node=node, unit=unit, partner=partner, kind=kind, title=title.strip()[:100],
                          description=(description or "")[:2000]), actor)


@transaction.atomic
def need_post(*, actor, node, kind, title, description="", today=None):
    _require_broker(actor, node)
    errors = {}
    if node.level not in (Level.STREET, Level.COMMUNITY):
        errors["node"] = [_("A street or a community posts needs.")]
    if kind not in ResourceKind.values:
        errors["kind"] = [_("Choose what is needed.")]
    if not (title or "").strip():
        errors["title"] = [_("Give a title.")]
    if errors:
        raise ValidationError(errors)
    return _save(Need(node=node, kind=kind, title=title.strip()[:100], description=(description or "")[:2000],
                      posted_by=actor, posted_on=today or timezone.localdate()), actor)


@transaction.atomic
def match_propose(*, actor, need, resource, today=None):
    """Propose a resource for a need of the same kind; the distance in the tree is stored with it."""
    _require_broker(actor, need.node)
    if need.status != NeedStatus.OPEN:
        raise ValidationError({"need": [_("This need is no longer open.")]})
    if not resource.available:
        raise ValidationError({"resource": [_("This resource is not available.")]})
    if resource.kind != need.kind:
        raise ValidationError({"resource": [_("This resource is of another kind than the need.")]})
    if Match.objects.filter(need=need, resource=resource).exists():
        raise ConflictError(_("This resource is already proposed for this need."), code="already_proposed")
    return _save(Match(need=need, resource=resource, distance=tree_distance(need.node.path, resource.node.path),
                       proposed_by=actor, proposed_on=today or timezone.localdate()), actor)


def _locked_match(match):
    return Match.objects.select_for_update(of=("self",)).select_related("need__node", "resource__node").get(pk=match.pk)


@transaction.atomic
def match_agree(*, actor, match, on=None, meeting=None):
    """Both sides agree (a resource-sharing agreement, possibly settled at a joint meeting)."""
    match = _locked_match(match)
    _require_broker(actor, match.need.node)
    if match.status != MatchStatus.PROPOSED:
        raise ValidationError({"status": [_("Only a proposed match can be agreed.")]})
    match.status, match.agreed_on, match.meeting = MatchStatus.AGREED, on or timezone.localdate(), meeting
    return _save(match, actor)


@transaction.atomic
def match_decline(*, actor, match):
    match = _locked_match(match)
    _require_broker(actor, match.need.node)
    if match.status != MatchStatus.PROPOSED:
        raise ValidationError({"status": [_("Only a proposed match can be declined.")]})
    match.status = MatchStatus.DECLINED
    return _save(match, actor)


@transaction.atomic
def match_complete(*, actor, match, outcome, on=None):
    """Record what the agreed match achieved; the need is met."""
    match = _locked_match(match)
    _require_broker(actor, match.need.node)
    if match.status != MatchStatus.AGREED:
        raise ValidationError({"status": [_("Only an agreed match is completed.")]})
    if not (outcome or "").strip():
        raise ValidationError({"outcome": [_("Record the outcome.")]})
    match.status, match.done_on, match.outcome = MatchStatus.DONE, on or timezone.localdate(), outcome.strip()[:2000]
    _save(match, actor)
    need = match.need
    need.status = NeedStatus.MET
    _save(need, actor)
    return match
