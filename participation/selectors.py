"""Reads of residents taking part, cut to the acting user's scope (accounts.scopes).

Requests: a resident their own; a secretary their area's communities; center staff those routed to their
center; district staff and inspectors all. Activities and teams are public to everyone signed in; their
rosters and sign-up lists to the center's staff and the team's side. The 智库 reads like the community records:
the user's area.
"""

from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When
from django.utils import timezone

from accounts.scopes import managed_centers_q, requests_q, resolve_scope

from .models import (
    Activity,
    ActivityStatus,
    Match,
    Need,
    NeedStatus,
    ResidentProfile,
    ResidentRequest,
    Resource,
    Signup,
    SignupStatus,
    TeamMembership,
    VolunteerHours,
    VolunteerTeam,
)
from .services import tree_distance


def profile_of(*, user):
    if not user.is_authenticated:
        return None
    return ResidentProfile.objects.select_related("community").filter(user_id=user.pk).first()


def request_list(*, user):
    """Requests the user may see, newest first, with their community, center and resident joined in."""
    if not user.is_authenticated:
        return ResidentRequest.objects.none()
    return ResidentRequest.objects.filter(requests_q(user)).select_related("community", "center", "resident")


def request_detail(*, user, pk):
    """One request the user may see with its steps and photos (None when it is not theirs to see)."""
    if not str(pk).isdigit():
        return None
    return request_list(user=user).prefetch_related("steps__actor", "photos").filter(pk=pk).first()


def activity_list(*, user, upcoming=True, now=None):
    """Published activities (upcoming: those not yet ended), with their center; public to everyone signed in."""
    if not user.is_authenticated:
        return Activity.objects.none()
    qs = Activity.objects.filter(status=ActivityStatus.PUBLISHED).select_related("center", "room")
    if upcoming:
        qs = qs.filter(ends_at__gt=now or timezone.now())
    return qs.order_by("starts_at", "pk")


def staff_activity_list(*, user):
    """Activities of the centers whose staff side the user may look at (cancelled ones too)."""
    return Activity.objects.filter(managed_centers_q(user, prefix="center_", read=True)).select_related("center")


def my_signups(*, user):
    return Signup.objects.filter(user_id=user.pk).select_related("activity__center").order_by("-activity__starts_at")


def my_signup_ids(*, user, activity_ids):
    """{activity id: sign-up} of the user's sign-ups that hold a place, for the listed activities (one query)."""
    return {s.activity_id: s for s in Signup.objects.filter(
        user_id=user.pk, activity_id__in=list(activity_ids), status__in=[SignupStatus.SIGNED_UP, SignupStatus.ATTENDED])}


def activity_roster(*, user, activity):
    """The sign-ups of an activity, for its center's staff (empty for anyone else)."""
    if not staff_activity_list(user=user).filter(pk=activity.pk).exists():
        return Signup.objects.none()
    return activity.signups.select_related("user").order_by("status", "created_at")


def team_list(*, user):
    """Active teams, with their roster size and total hours (one query); public to everyone signed in."""
    if not user.is_authenticated:
        return VolunteerTeam.objects.none()
    return VolunteerTeam.objects.filter(active=True).select_related("node", "leader").annotate(
        roster=Count("memberships", filter=Q(memberships__left_on__isnull=True), distinct=True),
    ).order_by("node__code", "name")


def team_hours(team_ids):
    """{team id: hours} in one query."""
    rows = VolunteerHours.objects.filter(membership__team_id__in=list(team_ids)).values(
        "membership__team_id").annotate(total=Sum("hours"))
    return {r["membership__team_id"]: r["total"] for r in rows}


def my_memberships(*, user):
    return TeamMembership.objects.filter(user_id=user.pk, left_on__isnull=True).select_related("team")


def resource_list(*, user):
    return Resource.objects.filter(resolve_scope(user).nodes_q(prefix="node__")).select_related("node", "unit",
                                                                                                 "partner")


def need_list(*, user):
    return Need.objects.filter(resolve_scope(user).nodes_q(prefix="node__")).select_related("node")


def match_list(*, user):
    return Match.objects.filter(resolve_scope(user).nodes_q(prefix="need__node__")).select_related(
        "need__node", "resource__node")


def match_candidates(*, need, limit=10):
    """Available resources of the need's kind, nearest in the tree first (same community, then the street, then
    the district); each with `.distance`."""
    if need.status != NeedStatus.OPEN:
        return []
    taken = Match.objects.filter(need=need).values("resource_id")
    street = "/" + need.node.path.strip("/").split("/")[0] + "/"
    resources = list(Resource.objects.filter(kind=need.kind, available=True).exclude(pk__in=taken)
                     .select_related("node", "unit", "partner")
                     .annotate(far=Case(When(node__path__startswith=street, then=Value(0)), default=Value(1),
                                         output_field=IntegerField()))
                     .order_by("far", "pk")[:200])
    for resource in resources:
        resource.distance = tree_distance(need.node.path, resource.node.path)
    return sorted(resources, key=lambda r: (r.distance, r.pk))[:limit]
