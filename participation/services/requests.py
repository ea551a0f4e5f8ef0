"""Residents' requests: raised on the phone, accepted, routed, answered, declined, closed and rated; overdue ones
remind the community and go up to the street."""

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, RoleGrant
from accounts.scopes import handles_requests_at, handles_routed_request, node_leaders
from community.models import IssueCategory
from community.services import issue_create
from core.errors import PermissionDenied, ValidationError
from grids.models import Level
from inbox.services import message_send

from .. import uploads
from ..models import (
    OPEN_REQUEST_STATUSES,
    RequestKind,
    RequestPhoto,
    RequestStatus,
    RequestStep,
    ResidentRequest,
    ServiceKind,
)
from .common import _require_signed_in, _save

#: Days the community has to answer a request before it is overdue and goes up to the street.
REQUEST_DAYS = 7
#: A request not accepted this many days after it was raised reminds the community.
ACCEPT_DAYS = 2
#: Open requests one resident may hold at once.
MAX_OPEN_REQUESTS = 10


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
