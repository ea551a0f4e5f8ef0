"""Reads of residents taking part, cut to the acting user's scope (accounts.scopes).

Requests: a resident their own; a secretary their area's communities; center staff those routed to their
center; district staff and inspectors all. Activities and teams are public to everyone signed in; their
rosters and sign-up lists to the center's staff and the team's side. The 智库 reads like the community records:
the user's area.
"""

import datetime

from django.db.models import Case, Count, DecimalField, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.scopes import (
    managed_centers_q,
    requests_q,
    resolve_scope,
    runs_team_at,
    thinktank_q,
    uses_thinktank,
)

from .models import (
    Activity,
    ActivityStatus,
    OPEN_REQUEST_STATUSES,
    Match,
    MatchStatus,
    Need,
    NeedStatus,
    ResidentProfile,
    RequestStatus,
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
    """Resources the user may see: those located in their area, and those of the partners of the centers they run
    (district staff and inspectors: all)."""
    if not uses_thinktank(user):
        return Resource.objects.none()
    return Resource.objects.filter(thinktank_q(user, node_prefix="node__", partner_center_field="partner__center_id")
                                   ).select_related("node", "unit", "partner")


def need_list(*, user):
    """Needs posted in the user's area (district staff and inspectors: all)."""
    if not uses_thinktank(user):
        return Need.objects.none()
    return Need.objects.filter(thinktank_q(user, node_prefix="node__")).select_related("node")


def match_list(*, user):
    """Matches whose need or whose resource is in the user's area, or whose resource is of a partner of a center
    they run (both sides of a match follow it)."""
    if not uses_thinktank(user):
        return Match.objects.none()
    return Match.objects.filter(thinktank_q(user, node_prefix="need__node__",
                                            partner_center_field="resource__partner__center_id")
                                | thinktank_q(user, node_prefix="resource__node__")).select_related(
        "need__node", "resource__node", "resource__unit", "resource__partner")


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


# --- what waits for staff (the workbench reads these) -----------------------------------------------------------


def requests_waiting(*, user):
    """Residents' requests waiting for the user to act, oldest due first: submitted or accepted ones of the
    communities they handle (accept, route, answer), and those routed to a center they run (answer). Never the
    user's own requests; district staff get every open request, inspectors (who read but do not handle) none.
    Each row has `community`, `center` and `resident` joined in; `is_overdue(today)` is `due_on < today`."""
    scope = resolve_scope(user)
    if scope.user_id is None or not (scope.write_all or scope.write_paths or scope.center_ids):
        return ResidentRequest.objects.none()
    if scope.write_all:
        mine = Q()
    else:
        mine = Q(pk__in=[])
        if scope.write_paths:
            mine |= Q(status__in=[RequestStatus.SUBMITTED, RequestStatus.ACCEPTED]) & scope.nodes_q(
                write=True, prefix="community__")
        if scope.center_ids:
            mine |= Q(status=RequestStatus.ROUTED, center_id__in=scope.center_ids)
    return (ResidentRequest.objects.filter(mine, status__in=OPEN_REQUEST_STATUSES).exclude(resident_id=user.pk)
            .select_related("community", "center", "resident").order_by("due_on", "pk"))


def activities_today(*, user, day=None):
    """The published activities of the centers the user runs that take place on `day` (today, Asia/Shanghai), in
    order of start, with their center joined in; their `signed_up` and `capacity` give the numbers to check in."""
    if not (resolve_scope(user).write_all or resolve_scope(user).center_ids):
        return Activity.objects.none()
    day = day or timezone.localdate()
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    return (Activity.objects.filter(managed_centers_q(user, prefix="center_"), status=ActivityStatus.PUBLISHED,
                                    starts_at__gte=start, starts_at__lt=start + datetime.timedelta(days=1))
            .select_related("center", "room").order_by("starts_at", "pk"))


def matches_open(*, user):
    """智库 matches waiting for the user: proposals to agree or decline, and agreed matches whose outcome is still
    to be recorded, of the needs in their area or the resources of their centers' partners (oldest first)."""
    return match_list(user=user).filter(status__in=[MatchStatus.PROPOSED, MatchStatus.AGREED]).order_by(
        "proposed_on", "pk")


# --- a volunteer team's leader ------------------------------------------------------------------------------------


def led_teams(*, user):
    """The active teams the user keeps the roster of as their leader."""
    if not user.is_authenticated:
        return VolunteerTeam.objects.none()
    return VolunteerTeam.objects.filter(leader_id=user.pk, active=True).select_related("node").order_by("name")


def team_for_roster(*, user, pk):
    """The team whose roster the user keeps (its leader, or whoever writes at its node), or None."""
    if not str(pk).isdigit() or not user.is_authenticated:
        return None
    team = VolunteerTeam.objects.select_related("node", "leader").filter(pk=pk).first()
    if team is None or not runs_team_at(user, team.node, leader_id=team.leader_id):
        return None
    return team


def team_roster(*, team, year=None):
    """A team's current members, each with `year_hours` (hours given in `year`, this year by default), one query."""
    year = year or timezone.localdate().year
    return (team.memberships.filter(left_on__isnull=True).select_related("user", "member")
            .annotate(year_hours=Coalesce(Sum("hours__hours", filter=Q(hours__on__year=year)), Value(0),
                                          output_field=DecimalField(max_digits=8, decimal_places=1)))
            .order_by("name", "pk"))
