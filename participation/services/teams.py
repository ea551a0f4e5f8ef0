"""Volunteer teams (自治队伍): created by their community, joined by residents, their roster and hours kept by
the leader (or the community); a party member's hours earn volunteering points."""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scopes import runs_team_at
from core.errors import ConflictError, PermissionDenied, ValidationError
from grids.models import Level
from members.points.models import PointCategory
from members.points.services import point_entry_award
from members.selfservice.selectors import linked_member

from ..models import TeamMembership, VolunteerHours, VolunteerTeam
from .common import _decimal, _require_signed_in, _save

#: Volunteering points per hour, and at most per entry.
POINTS_PER_HOUR = Decimal("1")
MAX_HOURS_POINTS = Decimal("8")


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
