"""The 智库: resources offered by resident units and partners, needs posted by communities, and matches between
them, proposed by kind and distance in the tree, agreed (a resource-sharing agreement), declined or completed with
their outcome."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scopes import brokers_resources_at
from core.errors import ConflictError, PermissionDenied, ValidationError
from grids.models import Level

from ..models import Match, MatchStatus, Need, NeedStatus, Resource, ResourceKind
from .common import _save


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
