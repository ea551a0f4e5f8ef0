"""The 智库's staff pages on the phone shell (/m/thinktank/): a community's or street's secretary posts needs, sees
the resources of the need's kind ranked by distance in the tree, proposes them, and agrees, declines or records the
outcome of a match; a service center's staff offer their partner organization's resources and answer the matches
proposed for them. Who may do what is decided by the services (accounts.scopes); the pages show what the user may
see (participation.selectors)."""

from functools import wraps

from django.contrib import messages
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.scopes import answers_for_resource, brokers_resources_at, resolve_scope, uses_thinktank
from community.models import ResidentUnit
from core.errors import ConflictError, PermissionDenied, ValidationError, error_messages
from core.forms import add_service_error
from core.mobile import mobile_login_required, mobile_page
from grids.models import Level, OrgNode
from servicecenters.models import PartnerOrganization

from . import selectors, services
from .forms import NeedForm, OutcomeForm, ResourceForm
from .models import MatchStatus, NeedStatus, Resource

PAGE_ROWS = 30
CHOICE_ROWS = 300


def thinktank_required(view):
    @wraps(view)
    @mobile_login_required
    def wrapped(request, *args, **kwargs):
        if not uses_thinktank(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _need_nodes(user):
    """The streets and communities the user posts needs for (at most CHOICE_ROWS)."""
    scope = resolve_scope(user)
    if not scope.writes_anywhere:
        return []
    return list(OrgNode.objects.filter(scope.nodes_q(write=True), level__in=[Level.STREET, Level.COMMUNITY])
                .order_by("path")[:CHOICE_ROWS])


def _providers(user):
    """(resident units, partner organizations) the user offers resources for."""
    scope = resolve_scope(user)
    units = list(ResidentUnit.objects.filter(scope.nodes_q(write=True, prefix="node__")).order_by("name")
                 [:CHOICE_ROWS]) if scope.writes_anywhere else []
    partner_q = Q(center_id__in=scope.center_ids) if scope.center_ids else Q(pk__in=[])
    if scope.writes_anywhere:
        partner_q |= scope.nodes_q(write=True, prefix="center__street__")
    partners = list(PartnerOrganization.objects.filter(partner_q, exited_on__isnull=True).select_related("center")
                    .order_by("name")[:CHOICE_ROWS])
    return units, partners


@thinktank_required
def home(request):
    """Needs of the user's area (open first) with a form to post one, and the matches waiting for them."""
    nodes = _need_nodes(request.user)
    form = NeedForm(request.POST or None, nodes=nodes) if nodes else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            try:
                need = services.need_post(actor=request.user, node=d["node"], kind=d["kind"], title=d["title"],
                                          description=d["description"])
                messages.success(request, _("Need posted: now propose resources for it."))
                return redirect("participation:need", pk=need.pk)
            except (ValidationError, PermissionDenied) as exc:
                add_service_error(form, exc)
    needs = list(selectors.need_list(user=request.user).annotate(
        closed=Case(When(status=NeedStatus.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()),
    ).order_by("closed", "-posted_on", "-pk")[:PAGE_ROWS])
    waiting = list(selectors.matches_open(user=request.user)[:PAGE_ROWS])
    # A match asking for the user's resource about a need elsewhere is answered on the resources page.
    own_needs = set(selectors.need_list(user=request.user).filter(
        pk__in={m.need_id for m in waiting}).values_list("pk", flat=True))
    for m in waiting:
        m.on_need_page = m.need_id in own_needs
    return mobile_page(request, "participation/thinktank.html", {"needs": needs, "form": form, "waiting": waiting})


@thinktank_required
def need_detail(request, pk):
    need = get_object_or_404(selectors.need_list(user=request.user), pk=pk)
    broker = brokers_resources_at(request.user, need.node)
    matches = list(need.matches.select_related("resource__node", "resource__unit", "resource__partner")
                   .order_by("status", "distance", "pk"))
    return mobile_page(request, "participation/need.html", {
        "need": need, "matches": matches, "broker": broker,
        "candidates": selectors.match_candidates(need=need) if broker else [],
        "outcome_form": OutcomeForm(), "proposed": MatchStatus.PROPOSED, "agreed": MatchStatus.AGREED,
    })


def _report(request, call, success):
    try:
        call()
        messages.success(request, success)
    except ConflictError as exc:
        messages.error(request, exc.message)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(error_messages(exc)))


@thinktank_required
@require_POST
def need_propose(request, pk):
    need = get_object_or_404(selectors.need_list(user=request.user), pk=pk)
    resource = Resource.objects.select_related("node").filter(pk=str(request.POST.get("resource", ""))).first() \
        if str(request.POST.get("resource", "")).isdigit() else None
    if resource is None:
        messages.error(request, _("Choose an offered resource."))
    else:
        _report(request, lambda: services.match_propose(actor=request.user, need=need, resource=resource),
                _("Proposed. The offering side is told."))
    return redirect("participation:need", pk=need.pk)


@thinktank_required
@require_POST
def need_withdraw(request, pk):
    need = get_object_or_404(selectors.need_list(user=request.user), pk=pk)
    _report(request, lambda: services.need_withdraw(actor=request.user, need=need), _("Need withdrawn."))
    return redirect("participation:need", pk=need.pk)


@thinktank_required
@require_POST
def match_action(request, pk, action):
    match = get_object_or_404(selectors.match_list(user=request.user), pk=pk)
    calls = {
        "agree": (lambda: services.match_agree(actor=request.user, match=match), _("Agreed.")),
        "decline": (lambda: services.match_decline(actor=request.user, match=match), _("Declined.")),
        "complete": (lambda: services.match_complete(actor=request.user, match=match,
                                                     outcome=request.POST.get("outcome", "")),
                     _("Outcome recorded; the need is met.")),
    }
    if action not in calls:
        raise Http404
    _report(request, *calls[action])
    if selectors.need_list(user=request.user).filter(pk=match.need_id).exists():
        return redirect("participation:need", pk=match.need_id)
    return redirect("participation:resources")


@thinktank_required
def resources(request):
    """The resources the user's side offers, with a form to offer one, and the matches proposed for them."""
    units, partners = _providers(request.user)
    form = ResourceForm(request.POST or None, units=units, partners=partners) if (units or partners) else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            kind, provider = d["provider"]
            try:
                services.resource_offer(actor=request.user, kind=d["kind"], title=d["title"],
                                        description=d["description"], **{kind: provider})
                messages.success(request, _("Offered. Communities can now ask for it."))
                return redirect("participation:resources")
            except (ValidationError, PermissionDenied) as exc:
                add_service_error(form, exc, renames={"unit": "provider", "partner": "provider"})
    rows = list(selectors.resource_list(user=request.user).order_by("-available", "kind", "title", "pk")[:PAGE_ROWS])
    asked = list(selectors.match_list(user=request.user).filter(
        resource_id__in=[r.pk for r in rows], status=MatchStatus.PROPOSED).order_by("proposed_on", "pk"))
    for m in asked:
        m.answerable = answers_for_resource(request.user, m.resource.node,
                                            m.resource.partner.center_id if m.resource.partner_id else None)
    return mobile_page(request, "participation/resources.html", {"resources": rows, "form": form, "asked": asked})
