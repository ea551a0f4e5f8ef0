"""The phone pages of residents taking part: their community, their requests, activities, teams; and the
center staff's activity pages. Views parse input, call selectors and services, and render through
core.mobile.mobile_page."""

import datetime
from functools import wraps

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.scopes import handles_requests_at, handles_routed_request, runs_team_at, works_at_centers
from core.errors import ConflictError, PermissionDenied, ValidationError, error_messages
from core.forms import add_service_error
from core.mobile import mobile_login_required, mobile_page
from servicecenters.models import ServiceCenter
from servicecenters.selectors import center_list, staff_center_list

from . import selectors, services
from .forms import ActivityForm, AnswerForm, ProfileForm, RateForm, RequestForm
from .models import RequestStatus, Signup, SignupStatus

PAGE_ROWS = 30


# --- the resident's community --------------------------------------------------------------------------------------


@mobile_login_required
def profile(request):
    current = selectors.profile_of(user=request.user)
    form = ProfileForm(request.POST or None)
    if request.method == "POST" and current is None and form.is_valid():
        try:
            services.profile_choose_community(actor=request.user, community=form.cleaned_data["community"],
                                              phone=form.cleaned_data["phone"])
            messages.success(request, _("Your community is saved."))
            return redirect(request.GET.get("next") if str(request.GET.get("next", "")).startswith("/m/")
                            else reverse("participation:requests"))
        except (ValidationError, PermissionDenied) as exc:
            add_service_error(form, exc)
    return mobile_page(request, "participation/profile.html", {"profile": current, "form": form})


# --- requests ------------------------------------------------------------------------------------------------------


@mobile_login_required
def request_list(request):
    requests = list(selectors.request_list(user=request.user).filter(resident=request.user)[:PAGE_ROWS])
    handled = []
    if request.user.pk and (works_at_centers(request.user, read=True) or request.user.is_staff):
        handled = list(selectors.request_list(user=request.user).exclude(resident=request.user).filter(
            status__in=[RequestStatus.SUBMITTED, RequestStatus.ACCEPTED, RequestStatus.ROUTED,
                        RequestStatus.ANSWERED]).order_by("due_on", "pk")[:PAGE_ROWS])
    return mobile_page(request, "participation/requests.html", {
        "requests": requests, "handled": handled, "profile": selectors.profile_of(user=request.user),
        "today": timezone.localdate(),
    })


@mobile_login_required
def request_new(request):
    profile_ = selectors.profile_of(user=request.user)
    if profile_ is None:
        messages.info(request, _("First choose your community."))
        return redirect(reverse("participation:profile") + "?next=" + reverse("participation:request_new"))
    form = RequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = services.request_create(
                actor=request.user, kind=data["kind"], service=data["service"], title=data["title"],
                body=data["body"], community=profile_.community, photos=data["photos"],
            )
            messages.success(request, _("Sent. Your community will answer within %(n)d days.") % {
                "n": services.REQUEST_DAYS})
            return redirect("participation:request", pk=made.pk)
        except (ValidationError, PermissionDenied) as exc:
            add_service_error(form, exc)
    return mobile_page(request, "participation/request_new.html", {"form": form, "profile": profile_})


def _visible_request(request, pk):
    obj = selectors.request_detail(user=request.user, pk=pk)
    if obj is None:
        raise Http404
    return obj


@mobile_login_required
def request_detail(request, pk):
    obj = _visible_request(request, pk)
    community_side = handles_requests_at(request.user, obj.community)
    handler = handles_routed_request(request.user, obj.community, obj.center_id)
    centers = list(center_list(user=request.user).filter(street_id=obj.community.parent_id).order_by("code")
                   ) if community_side else []
    return mobile_page(request, "participation/request.html", {
        "req": obj, "steps": list(obj.steps.all()), "photos": list(obj.photos.all()),
        "own": obj.resident_id == request.user.pk, "community_side": community_side, "handler": handler,
        "centers": centers, "answer_form": AnswerForm(), "rate_form": RateForm(),
    })


@mobile_login_required
def request_photo(request, pk, photo_pk):
    obj = _visible_request(request, pk)
    photo = next((p for p in obj.photos.all() if p.pk == photo_pk), None)
    if photo is None:
        raise Http404
    response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


#: What each step on a request says once done.
REQUEST_DONE = {
    "accept": gettext_lazy("Request “%(title)s” accepted."),
    "route": gettext_lazy("Request “%(title)s” passed on to the service center."),
    "answer": gettext_lazy("Request “%(title)s” answered; the resident is told."),
    "decline": gettext_lazy("Request “%(title)s” declined; the resident is told why."),
    "close": gettext_lazy("Request “%(title)s” closed."),
    "rate": gettext_lazy("Thank you: your rating of “%(title)s” is saved."),
}


@mobile_login_required
@require_POST
def request_action(request, pk, action):
    obj = _visible_request(request, pk)
    post = request.POST
    calls = {
        "accept": lambda: services.request_accept(actor=request.user, request=obj, note=post.get("note", "")),
        "route": lambda: services.request_route(actor=request.user, request=obj, center=_center(post.get("center"))),
        "answer": lambda: services.request_answer(actor=request.user, request=obj, answer=post.get("answer", "")),
        "decline": lambda: services.request_decline(actor=request.user, request=obj, reason=post.get("reason", "")),
        "close": lambda: services.request_close(actor=request.user, request=obj),
        "rate": lambda: services.request_rate(actor=request.user, request=obj, rating=post.get("rating"),
                                              comment=post.get("comment", "")),
    }
    if action not in calls:
        raise Http404
    try:
        calls[action]()
        messages.success(request, REQUEST_DONE[action] % {"title": obj.title})
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(error_messages(exc)))
    return redirect("participation:request", pk=obj.pk)


def _center(value):
    if not str(value or "").isdigit():
        return None
    return ServiceCenter.objects.filter(pk=value).first()


# --- activities ----------------------------------------------------------------------------------------------------


@mobile_login_required
def activity_list(request):
    activities = list(selectors.activity_list(user=request.user)[:PAGE_ROWS])
    mine = selectors.my_signup_ids(user=request.user, activity_ids=[a.pk for a in activities])
    for a in activities:
        a.my_signup = mine.get(a.pk)
    return mobile_page(request, "participation/activities.html", {"activities": activities})


@mobile_login_required
def activity_detail(request, pk):
    activity = get_object_or_404(selectors.activity_list(user=request.user, upcoming=False), pk=pk)
    mine = selectors.my_signup_ids(user=request.user, activity_ids=[activity.pk]).get(activity.pk)
    now = timezone.now()
    return mobile_page(request, "participation/activity.html", {
        "activity": activity, "signup": mine,
        "open": activity.signup_opens <= now < activity.signup_closes,
        "not_yet": now < activity.signup_opens,
    })


@mobile_login_required
@require_POST
def activity_signup(request, pk):
    activity = get_object_or_404(selectors.activity_list(user=request.user), pk=pk)
    try:
        services.signup_create(actor=request.user, activity=activity)
        messages.success(request, _("Signed up. See you there!"))
    except ConflictError as exc:
        messages.error(request, exc.message)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(error_messages(exc)))
    return redirect("participation:activity", pk=activity.pk)


@mobile_login_required
@require_POST
def activity_cancel_signup(request, pk):
    activity = get_object_or_404(selectors.activity_list(user=request.user, upcoming=False), pk=pk)
    signup = selectors.my_signup_ids(user=request.user, activity_ids=[activity.pk]).get(activity.pk)
    if signup is None:
        raise Http404
    try:
        services.signup_cancel(actor=request.user, signup=signup)
        messages.success(request, _("Sign-up cancelled."))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(error_messages(exc)))
    return redirect("participation:activity", pk=activity.pk)


def staff_required(view):
    @wraps(view)
    @mobile_login_required
    def wrapped(request, *args, **kwargs):
        if not works_at_centers(request.user, read=True):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@staff_required
def staff_activities(request):
    centers = list(staff_center_list(user=request.user).order_by("code"))
    if not centers:
        raise Http404
    wanted = request.GET.get("center") or request.POST.get("center")
    center = next((c for c in centers if str(c.pk) == wanted), centers[0])
    form = ActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        tz = timezone.get_current_timezone()
        starts = datetime.datetime.combine(d["date"], d["start"], tzinfo=tz)
        ends = datetime.datetime.combine(d["date"], d["end"], tzinfo=tz)
        try:
            services.activity_publish(
                actor=request.user, center=center, kind=d["kind"], title=d["title"], description=d["description"],
                starts_at=starts, ends_at=ends, capacity=d["capacity"], points=d["points"],
                signup_closes=starts - datetime.timedelta(hours=d["closes_hours"]),
            )
            messages.success(request, _("Published."))
            return redirect(reverse("participation:staff_activities") + f"?center={center.pk}")
        except (ValidationError, PermissionDenied) as exc:
            add_service_error(form, exc, renames={"starts_at": "date", "ends_at": "end",
                                                  "signup_closes": "closes_hours"})
    activities = list(selectors.staff_activity_list(user=request.user).filter(
        center=center, ends_at__gt=timezone.now() - datetime.timedelta(days=1))[:PAGE_ROWS])
    return mobile_page(request, "participation/staff_activities.html", {
        "center": center, "centers": centers, "activities": activities, "form": form,
    })


@staff_required
def staff_activity(request, pk):
    activity = get_object_or_404(selectors.staff_activity_list(user=request.user), pk=pk)
    roster = list(selectors.activity_roster(user=request.user, activity=activity))
    return mobile_page(request, "participation/staff_activity.html", {
        "activity": activity, "roster": roster, "attended": SignupStatus.ATTENDED,
    })


@staff_required
@require_POST
def staff_check_in(request, pk):
    signup = get_object_or_404(Signup.objects.filter(
        activity__in=selectors.staff_activity_list(user=request.user)), pk=pk)
    try:
        services.signup_check_in(actor=request.user, signup=signup)
        messages.success(request, _("Checked in."))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(error_messages(exc)))
    return redirect("participation:staff_activity", pk=signup.activity_id)


# --- volunteer teams -----------------------------------------------------------------------------------------------


@mobile_login_required
def team_list(request):
    teams = list(selectors.team_list(user=request.user)[:PAGE_ROWS])
    hours = selectors.team_hours([t.pk for t in teams])
    mine = {m.team_id for m in selectors.my_memberships(user=request.user)}
    for t in teams:
        t.total_hours = hours.get(t.pk) or 0
        t.is_mine = t.pk in mine
        t.keeps_roster = runs_team_at(request.user, t.node, leader_id=t.leader_id)
    return mobile_page(request, "participation/teams.html", {"teams": teams})


@mobile_login_required
@require_POST
def team_join(request, pk):
    team = get_object_or_404(selectors.team_list(user=request.user), pk=pk)
    try:
        services.team_join(actor=request.user, team=team)
        messages.success(request, _("Welcome to %(team)s!") % {"team": team.name})
    except ConflictError as exc:
        messages.error(request, exc.message)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(error_messages(exc)))
    return redirect("participation:teams")
