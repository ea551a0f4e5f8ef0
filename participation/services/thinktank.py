"""The 智库: resources offered by resident units and partners, needs posted by communities, and matches between
them, proposed by kind and distance in the tree, agreed (a resource-sharing agreement, counted with the joint
meetings' agreements), declined, or completed with their outcome.

Who may: a need's side is whoever writes at its node (its community's secretary, the street, the district); a
resource's side is whoever writes at the resource's node, or, for a partner organization's resource, the staff of
the center the partner runs (accounts.scopes.answers_for_resource). The need's side posts and proposes; either
side agrees or declines a proposal; the need's side records the outcome.
"""

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, RoleGrant
from accounts.scopes import answers_for_resource, brokers_resources_at, node_leaders, offers_for_partner
from core.errors import ConflictError, PermissionDenied, ValidationError
from grids.models import Level
from inbox.services import message_send

from ..models import Match, MatchStatus, Need, NeedStatus, Resource, ResourceKind
from .common import _require_signed_in, _save

ALREADY_PROPOSED = "already_proposed"


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


def _require_resource_side(actor, resource):
    if not answers_for_resource(actor, resource.node, resource.partner.center_id if resource.partner_id else None):
        raise PermissionDenied(_("Only the side that offers this resource may do that."))


def _text_errors(errors, *, kind, title, description):
    if kind not in ResourceKind.values:
        errors["kind"] = [_("Choose the kind: rooms, experts, funds or services.")]
    if not (title or "").strip():
        errors["title"] = [_("Give a title.")]
    elif len(title.strip()) > 100:
        errors["title"] = [_("At most %(n)d characters.") % {"n": 100}]
    if len(description or "") > 2000:
        errors["description"] = [_("At most %(n)d characters.") % {"n": 2000}]


@transaction.atomic
def resource_offer(*, actor, kind, title, unit=None, partner=None, node=None, description=""):
    """Record what a resident unit (at its own node: whoever writes there) or a service center's partner
    organization (at the center's street: the center's staff, or whoever writes at the street) offers."""
    _require_signed_in(actor)
    if (unit is None) == (partner is None):
        raise ValidationError({"unit": [_("Name the resident unit or the partner organization that offers it.")]})
    node = unit.node if unit is not None else (node or partner.center.street)
    if not (partner is not None and offers_for_partner(actor, partner.center_id)):
        _require_broker(actor, node)
    errors = {}
    _text_errors(errors, kind=kind, title=title, description=description)
    if errors:
        raise ValidationError(errors)
    return _save(Resource(node=node, unit=unit, partner=partner, kind=kind, title=title.strip()[:100],
                          description=(description or "").strip()[:2000]), actor)


@transaction.atomic
def resource_set_available(*, actor, resource, available):
    """The offering side withdraws a resource from the 智库 (or offers it again); matches already made stay."""
    resource = Resource.objects.select_for_update(of=("self",)).select_related("node", "partner").get(pk=resource.pk)
    _require_resource_side(actor, resource)
    resource.available = bool(available)
    return _save(resource, actor)


@transaction.atomic
def need_post(*, actor, node, kind, title, description="", today=None):
    """A community (or a street) posts what it needs."""
    _require_signed_in(actor)
    if node is None:
        raise ValidationError({"node": [_("Choose a street or a community.")]})
    _require_broker(actor, node)
    errors = {}
    if node.level not in (Level.STREET, Level.COMMUNITY):
        errors["node"] = [_("A street or a community posts needs.")]
    _text_errors(errors, kind=kind, title=title, description=description)
    if errors:
        raise ValidationError(errors)
    return _save(Need(node=node, kind=kind, title=title.strip()[:100], description=(description or "").strip()[:2000],
                      posted_by=actor, posted_on=today or timezone.localdate()), actor)


@transaction.atomic
def need_withdraw(*, actor, need):
    """The need's side withdraws an open need; its proposals still waiting are declined with it."""
    need = Need.objects.select_for_update(of=("self",)).select_related("node").get(pk=need.pk)
    _require_broker(actor, need.node)
    if need.status != NeedStatus.OPEN:
        raise ValidationError({"status": [_("This need is no longer open.")]})
    need.status = NeedStatus.WITHDRAWN
    _save(need, actor)
    for match in need.matches.select_for_update(of=("self",)).filter(status=MatchStatus.PROPOSED):
        match.status = MatchStatus.DECLINED
        _save(match, actor)
    return need


def _tell_resource_side(match, event, subject):
    """Message the resource's side of a match: the secretaries of its node, or its partner's center staff."""
    resource = match.resource
    if resource.partner_id:
        users = [g.user for g in RoleGrant.objects.filter(role=Role.CENTER_STAFF, center_id=resource.partner.center_id,
                                                          user__is_active=True).select_related("user")]
    else:
        users = [u for group in node_leaders(paths=[resource.node.path]).values() for u in group]
    for user in users:
        message_send(recipient=user, kind=f"match_{event}", key=f"match:{match.pk}:{event}", subject=subject,
                     body=match.need.title, url=reverse("participation:resources"))


@transaction.atomic
def match_propose(*, actor, need, resource, today=None):
    """The need's side proposes a resource of the same kind for an open need; the distance in the tree is stored
    with it. ConflictError `already_proposed` (409) for a resource already proposed for the need."""
    need = Need.objects.select_for_update(of=("self",)).select_related("node").get(pk=need.pk)
    _require_broker(actor, need.node)
    if need.status != NeedStatus.OPEN:
        raise ValidationError({"need": [_("This need is no longer open.")]})
    if not resource.available:
        raise ValidationError({"resource": [_("This resource is not available.")]})
    if resource.kind != need.kind:
        raise ValidationError({"resource": [_("This resource is of another kind than the need.")]})
    if Match.objects.filter(need=need, resource=resource).exists():
        raise ConflictError(_("This resource is already proposed for this need."), code=ALREADY_PROPOSED)
    try:
        with transaction.atomic():
            match = _save(Match(need=need, resource=resource,
                                distance=tree_distance(need.node.path, resource.node.path),
                                proposed_by=actor, proposed_on=today or timezone.localdate()), actor)
    except IntegrityError:
        raise ConflictError(_("This resource is already proposed for this need."), code=ALREADY_PROPOSED)
    _tell_resource_side(match, "proposed", _("Your resource is asked for: %(title)s") % {"title": resource.title})
    return match


def _locked_match(match):
    return Match.objects.select_for_update(of=("self",)).select_related(
        "need__node", "resource__node", "resource__partner").get(pk=match.pk)


def _require_either_side(actor, match):
    if brokers_resources_at(actor, match.need.node):
        return
    _require_resource_side(actor, match.resource)


@transaction.atomic
def match_agree(*, actor, match, on=None, meeting=None):
    """Either side agrees to a proposal: a resource-sharing agreement (possibly settled at a joint meeting)."""
    match = _locked_match(match)
    _require_either_side(actor, match)
    if match.status != MatchStatus.PROPOSED:
        raise ValidationError({"status": [_("Only a proposed match can be agreed.")]})
    if meeting is not None and not brokers_resources_at(actor, meeting.node):
        raise ValidationError({"meeting": [_("Choose a joint meeting of your area.")]})
    match.status, match.agreed_on, match.meeting = MatchStatus.AGREED, on or timezone.localdate(), meeting
    return _save(match, actor)


@transaction.atomic
def match_decline(*, actor, match):
    """Either side declines a proposal."""
    match = _locked_match(match)
    _require_either_side(actor, match)
    if match.status != MatchStatus.PROPOSED:
        raise ValidationError({"status": [_("Only a proposed match can be declined.")]})
    match.status = MatchStatus.DECLINED
    return _save(match, actor)


@transaction.atomic
def match_complete(*, actor, match, outcome, on=None):
    """The need's side records what the agreed match achieved; the need is met."""
    match = _locked_match(match)
    _require_broker(actor, match.need.node)
    if match.status != MatchStatus.AGREED:
        raise ValidationError({"status": [_("Only an agreed match is completed.")]})
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError({"outcome": [_("Record the outcome.")]})
    today = timezone.localdate()
    on = on or today
    if on > today:
        raise ValidationError({"on": [_("The date cannot be in the future.")]})
    if on < match.agreed_on:
        raise ValidationError({"on": [_("The match was agreed on %(day)s.") % {"day": match.agreed_on.isoformat()}]})
    match.status, match.done_on, match.outcome = MatchStatus.DONE, on, outcome[:2000]
    _save(match, actor)
    need = match.need
    need.status = NeedStatus.MET
    _save(need, actor)
    return match
