"""The phone pages: residents find and book rooms; center staff approve, check in and block rooms.

Views only parse input, call selectors and services, and render. Times are shown in Asia/Shanghai.
"""

import datetime
from functools import wraps

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import LoginView, LogoutView
from django.core import signing
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.scopes import works_at_centers
from accounts.services import resident_sign_up
from core.dates import parse_day
from core.errors import ConflictError, PermissionDenied, ValidationError, error_messages
from core.forms import add_service_error
from core.mobile import mobile_login_required, mobile_page

from . import selectors, services
from .forms import BlockForm, BookingForm, RejectForm, ResidentSignUpForm, SearchForm
from .models import UPCOMING_STATUSES, BookingSeries, BookingStatus, RoomKind

ICAL_SALT = "servicecenters.ical"


def _parse_day(value, default):
    """A day from the query string; `default` when missing, unreadable or outside core.dates' range."""
    return parse_day(value, default)


# --- sign up, sign in --------------------------------------------------------------------------


class MobileLoginView(LoginView):
    template_name = "servicecenters/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        # The front door sends each person on: staff to their workbench, residents to the phone pages.
        return reverse("home")


class MobileLogoutView(LogoutView):
    next_page = reverse_lazy("sc:login")


def signup(request):
    if request.user.is_authenticated:
        return redirect("sc:home")
    form = ResidentSignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = resident_sign_up(
                username=data["username"], password=data["password1"], first_name=data.get("first_name", ""),
                email=data.get("email", ""),
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Your account is ready."))
            return redirect("sc:home")
    return render(request, "servicecenters/signup.html", {"form": form})


# --- resident pages ----------------------------------------------------------------------------


@mobile_login_required
def home(request):
    centers = selectors.center_list(user=request.user).order_by("code")
    search = SearchForm(initial=_search_initial())
    upcoming = list(
        selectors.booking_list(user=request.user).filter(
            resident=request.user, end__gt=timezone.now(), status__in=UPCOMING_STATUSES
        )[:3]
    )
    return mobile_page(request, "servicecenters/home.html", {
        "centers": centers, "search": search, "upcoming": upcoming,
    })


@mobile_login_required
def center(request, pk):
    center = get_object_or_404(selectors.center_list(user=request.user), pk=pk)
    kind = request.GET.get("kind") or ""
    rooms = sorted(selectors.room_list(user=request.user).filter(center=center),
                   key=lambda r: (RoomKind.values.index(r.kind), r.name))
    kinds = sorted({r.kind for r in rooms}, key=lambda k: RoomKind.values.index(k))
    if kind:
        rooms = [r for r in rooms if r.kind == kind]
    return mobile_page(request, "servicecenters/center.html", {
        "center": center, "rooms": rooms, "kinds": [(k, RoomKind(k).label) for k in kinds], "kind": kind,
        "hours": center.hours.all(),
    })


@mobile_login_required
def room(request, pk):
    room = get_object_or_404(selectors.room_list(user=request.user), pk=pk)
    today = timezone.localdate()
    day = _parse_day(request.GET.get("date") or request.POST.get("date"), today)
    errors, conflict = [], False
    if request.method == "POST":
        form = BookingForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            start = services.at(data["date"], data["start"])
            end = services.at(data["date"], data["end"])
            try:
                made = services.booking_request(
                    actor=request.user, room=room, start=start, end=end, attendees=data["attendees"],
                    purpose=data["purpose"], weeks=data["weeks"], on_clash=data["on_clash"],
                    frequency=data.get("frequency") or BookingSeries.Frequency.WEEKLY,
                )
                if made.series is not None:
                    messages.success(request, _("Booked %(room)s on %(n)d dates, the first %(when)s.") % {
                        **booking_words(made.bookings[0], who=False), "n": len(made.bookings)})
                    if made.skipped:
                        messages.warning(request, _("Skipped, already taken: %(dates)s") % {
                            "dates": ", ".join(made.skipped)})
                elif made.bookings[0].status == BookingStatus.PENDING:
                    messages.success(request, _(
                        "Booking %(code)s received: %(room)s on %(when)s. The center will confirm it."
                    ) % booking_words(made.bookings[0], who=False))
                else:
                    messages.success(request, _("Booked %(room)s on %(when)s, booking code %(code)s. See you there!")
                                     % booking_words(made.bookings[0], who=False))
                return redirect("sc:my_bookings")
            except ConflictError as exc:
                errors, conflict = [exc.message], True
            except ValidationError as exc:
                errors = error_messages(exc)
        day = form.cleaned_data.get("date", day) if form.is_bound and hasattr(form, "cleaned_data") else day
    else:
        initial = {"date": day, "attendees": 1, "weeks": 1}
        if request.GET.get("start"):
            initial["start"] = request.GET["start"]
        if request.GET.get("end"):
            initial["end"] = request.GET["end"]
        form = BookingForm(initial=initial)
    info = selectors.room_day(room=room, day=day)
    if request.method == "GET" and "date" not in request.GET and not any(
        not s["taken"] and not s["past"] for s in info["slots"]
    ):
        # Nothing left today: show tomorrow.
        day = day + datetime.timedelta(days=1)
        form.initial["date"] = day
        info = selectors.room_day(room=room, day=day)
    if request.method == "GET" and info["slots"] and "start" not in form.initial:
        free = [s for s in info["slots"] if not s["taken"] and not s["past"]] or info["slots"]
        form.initial["start"] = free[0]["start"].strftime("%H:%M")
        form.initial["end"] = free[0]["end"].strftime("%H:%M")
    week_start = day - datetime.timedelta(days=day.weekday())
    return mobile_page(request, "servicecenters/room.html", {
        "room": room, "center": room.center, "day": day, "info": info, "form": form, "errors": errors,
        "conflict": conflict, "week": selectors.room_week(room=room, first_day=week_start),
        "prev_day": day - datetime.timedelta(days=1), "next_day": day + datetime.timedelta(days=1),
        "prev_week": week_start - datetime.timedelta(days=7), "next_week": week_start + datetime.timedelta(days=7),
        "today": today,
    })


@mobile_login_required
@require_POST
def waitlist_join(request, pk):
    room = get_object_or_404(selectors.room_list(user=request.user), pk=pk)
    form = BookingForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Choose a day and a time."))
    data = form.cleaned_data
    try:
        services.waitlist_join(
            actor=request.user, room=room, start=services.at(data["date"], data["start"]),
            end=services.at(data["date"], data["end"]), attendees=data["attendees"],
        )
        messages.success(request, _("You are on the waitlist: we will tell you when the slot frees."))
    except ValidationError as exc:
        messages.error(request, " ".join(error_messages(exc)))
    return redirect("sc:my_bookings")


def _search_initial():
    """The search from the next bookable hour (never a time already past)."""
    day, start, end = selectors.next_search_slot()
    return {"date": day, "start": start.strftime("%H:%M"), "end": end.strftime("%H:%M"), "people": 1}


@mobile_login_required
def search(request):
    form = SearchForm(request.GET or None, initial=None if request.GET else _search_initial())
    rooms, alternatives = None, []
    if form.is_bound and form.is_valid():
        q = form.cleaned_data
        args = dict(user=request.user, day=q["date"], start_time=q["start"], end_time=q["end"],
                    people=q["people"], kind=q["kind"] or None)
        rooms = list(selectors.free_rooms(**args)[:50])
        if not rooms:
            alternatives = selectors.free_room_alternatives(**args)
    return mobile_page(request, "servicecenters/search.html", {
        "form": form, "rooms": rooms, "alternatives": alternatives,
    })


@mobile_login_required
def my_bookings(request):
    now = timezone.now()
    mine = selectors.booking_list(user=request.user).filter(resident=request.user)
    upcoming = list(mine.filter(end__gt=now).exclude(status__in=[BookingStatus.CANCELLED, BookingStatus.REJECTED]))
    past = list(mine.exclude(pk__in=[b.pk for b in upcoming]).order_by("-start")[:20])
    for b in upcoming:
        b.can_cancel = b.status in (BookingStatus.PENDING, BookingStatus.CONFIRMED) and (
            b.start - now >= services.CANCEL_CUTOFF)
    waiting = list(selectors.waitlist_for(user=request.user).filter(end__gt=now, status__in=["waiting", "offered"]))
    token = ical_token(request.user)
    return mobile_page(request, "servicecenters/my_bookings.html", {
        "upcoming": upcoming, "past": past, "waiting": waiting,
        "ical_url": request.build_absolute_uri(reverse("sc:ical", args=[token])),
    })


@mobile_login_required
@require_POST
def cancel(request, pk):
    booking = get_object_or_404(selectors.booking_list(user=request.user).filter(resident=request.user), pk=pk)
    try:
        services.booking_cancel(actor=request.user, booking=booking)
        messages.success(request, _("Cancelled your booking of %(room)s on %(when)s.")
                         % booking_words(booking, who=False))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(error_messages(exc)))
    return redirect("sc:my_bookings")


def ical_token(user):
    """The signed address token of the user's calendar feed, carrying the feed's version (revocable)."""
    return signing.dumps({"u": user.pk, "v": services.calendar_feed_version(user)}, salt=ICAL_SALT)


def ical(request, token):
    """The resident's own bookings as an iCalendar feed (RFC 5545, written by the icalendar library: escaping and
    line folding); the signed token in the URL stands for the sign-in, so that calendar apps can fetch it. A token
    of an older version (the resident revoked the address) answers 404."""
    try:
        payload = signing.loads(token, salt=ICAL_SALT)
        user_id, version = payload["u"], payload.get("v", 1)
    except (signing.BadSignature, KeyError, TypeError, AttributeError):
        raise Http404
    from django.contrib.auth import get_user_model

    user = get_object_or_404(get_user_model(), pk=user_id, is_active=True)
    if version != services.calendar_feed_version(user):
        raise Http404
    bookings = selectors.booking_list(user=user).filter(
        resident=user, status__in=[BookingStatus.PENDING, BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN,
                                   BookingStatus.COMPLETED],
        end__gte=timezone.now() - datetime.timedelta(days=90),
    )
    import icalendar

    host = request.get_host().split(":")[0]
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Jinshui//Service centers//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("My room bookings"))
    calendar.add("x-wr-timezone", "Asia/Shanghai")
    stamp = timezone.now()
    for b in bookings:
        event = icalendar.Event()
        event.add("uid", f"booking-{b.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", b.start.astimezone(datetime.timezone.utc))
        event.add("dtend", b.end.astimezone(datetime.timezone.utc))
        event.add("summary", f"{b.room.name} · {b.room.center.name}")
        event.add("location", b.room.center.address or b.room.center.name)
        event.add("description", f"{b.get_status_display()} {b.purpose}".strip())
        event.add("status", "TENTATIVE" if b.status == BookingStatus.PENDING else "CONFIRMED")
        calendar.add_component(event)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="bookings.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


@mobile_login_required
@require_POST
def ical_revoke(request):
    services.calendar_feed_revoke(actor=request.user)
    messages.success(request, _("The old calendar address no longer works; add the new one to your calendar."))
    return redirect("sc:my_bookings")


@mobile_login_required
@require_POST
def cancel_series(request, pk):
    booking = get_object_or_404(selectors.booking_list(user=request.user).filter(resident=request.user,
                                                                                  series__isnull=False), pk=pk)
    try:
        cancelled = services.series_cancel(actor=request.user, series=booking.series)
        messages.success(request, _("%(n)d dates of the series cancelled.") % {"n": len(cancelled)})
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(error_messages(exc)))
    return redirect("sc:my_bookings")


@mobile_login_required
def room_check_in(request, pk, token):
    """The page a resident's phone opens from the room's QR code: checks in their booking of this room."""
    room = services.room_for_check_in_token(pk, token)
    if room is None:
        raise Http404
    now = timezone.now()
    booking = services.self_check_in_booking(actor=request.user, room=room, now=now)
    done = None
    if request.method == "POST":
        try:
            done = services.booking_self_check_in(actor=request.user, room=room, token=token, now=now)
            messages.success(request, _("Checked in. Enjoy!"))
            booking = None
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(error_messages(exc)))
    return mobile_page(request, "servicecenters/check_in.html", {
        "room": room, "booking": booking, "done": done,
        "early": int(services.SELF_CHECK_IN_EARLY.total_seconds() // 60),
        "late": int(services.RELEASE_GRACE.total_seconds() // 60),
    })


# --- staff pages -------------------------------------------------------------------------------


def staff_required(view):
    @wraps(view)
    @mobile_login_required
    def wrapped(request, *args, **kwargs):
        if not works_at_centers(request.user, read=True):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _staff_center(request):
    centers = list(selectors.staff_center_list(user=request.user).order_by("code"))
    if not centers:
        raise Http404
    wanted = request.GET.get("center") or request.POST.get("center")
    center = next((c for c in centers if str(c.pk) == wanted), centers[0])
    return center, centers


STAFF_PAGE_ROWS = 20


@staff_required
def staff(request):
    center, centers = _staff_center(request)
    today = timezone.localdate()
    start, _end = services.day_bounds(today)
    week_end = start + datetime.timedelta(days=7)
    bookings = selectors.staff_booking_list(user=request.user, center_ids=[center.pk])
    pending_qs = bookings.filter(status=BookingStatus.PENDING, end__gt=timezone.now())
    pending = list(pending_qs[:STAFF_PAGE_ROWS + 1])
    pending_count = len(pending) if len(pending) <= STAFF_PAGE_ROWS else pending_qs.count()
    pending = pending[:STAFF_PAGE_ROWS]
    week = list(bookings.filter(start__gte=start, start__lt=week_end).exclude(
        status__in=[BookingStatus.CANCELLED, BookingStatus.REJECTED, BookingStatus.PENDING]))
    now = timezone.now()
    for b in week:
        b.local_day = timezone.localtime(b.start).date()
        b.is_today = b.local_day == today
        b.can_check_in = b.status == BookingStatus.CONFIRMED and (
            b.start - datetime.timedelta(minutes=30) <= now < b.end)
        b.can_release = b.status == BookingStatus.CONFIRMED and now >= b.start + services.RELEASE_GRACE
    query = " ".join(request.GET.get("q", "").split())[:50]
    found = None
    if query:
        found = list(selectors.staff_booking_search(bookings, query).order_by("-start")[:STAFF_PAGE_ROWS])
    for b in pending + week + (found or []):
        b.booker_name, b.booker_phone = selectors.booker(b)
    rooms = list(center.rooms.order_by("kind", "name"))
    return mobile_page(request, "servicecenters/staff.html", {
        "center": center, "centers": centers, "pending": pending, "pending_count": pending_count,
        "query": query, "found": found,
        "today_list": [b for b in week if b.is_today], "week": [b for b in week if not b.is_today], "rooms": rooms,
        "reject_form": RejectForm(),
        "block_form": BlockForm(initial={"date": today, "start": "09:00", "end": "12:00"}),
    })


def booking_words(booking, *, who=True):
    """A booking in words for a message: who (for staff), which day and hours (Beijing time), which room."""
    start, end = timezone.localtime(booking.start), timezone.localtime(booking.end)
    day = _("%(month)d/%(day)d") % {"month": start.month, "day": start.day}
    words = {"when": f"{day} {start:%H:%M}–{end:%H:%M}", "room": booking.room.name, "code": booking.code}
    if who:
        words["name"] = selectors.booker(booking)[0]
    return words


#: What each staff action says once done.
STAFF_DONE = {
    "approve": gettext_lazy("Approved %(name)s's booking of %(room)s on %(when)s; they are told."),
    "reject": gettext_lazy("Rejected %(name)s's booking of %(room)s on %(when)s; they are told why."),
    "check-in": gettext_lazy("Checked in %(name)s for %(room)s on %(when)s."),
    "no-show": gettext_lazy("%(name)s did not come to %(room)s on %(when)s: marked as a no-show, the room is free."),
    "release": gettext_lazy("Released %(room)s on %(when)s booked by %(name)s: the room is free."),
    "cancel": gettext_lazy("Cancelled %(name)s's booking of %(room)s on %(when)s; they are told."),
}

STAFF_ACTIONS = {
    "approve": services.booking_approve,
    "reject": services.booking_reject,
    "check-in": services.booking_check_in,
    "no-show": services.booking_mark_no_show,
    "release": services.booking_release,
    "cancel": services.booking_cancel,
}


@staff_required
@require_POST
def staff_action(request, pk, action):
    if action not in STAFF_ACTIONS:
        raise Http404
    booking = get_object_or_404(selectors.staff_booking_list(user=request.user), pk=pk)
    kwargs = {}
    if action in ("reject", "cancel"):
        kwargs["reason"] = request.POST.get("reason", "")
    try:
        STAFF_ACTIONS[action](actor=request.user, booking=booking, **kwargs)
        messages.success(request, STAFF_DONE[action] % booking_words(booking))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(error_messages(exc)))
    return redirect(reverse("sc:staff") + f"?center={booking.room.center_id}")


@staff_required
@require_POST
def staff_block(request, room_pk):
    room = get_object_or_404(
        selectors.room_list(user=request.user).filter(center__in=selectors.staff_center_list(user=request.user)),
        pk=room_pk,
    )
    form = BlockForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            _block, cancelled = services.room_block(
                actor=request.user, room=room, start=services.at(d["date"], d["start"]),
                end=services.at(d["date"], d["end"]), reason=d["reason"],
            )
            messages.success(request, _("Room closed; %(n)d bookings cancelled and their residents told.") % {
                "n": len(cancelled)})
        except ValidationError as exc:
            messages.error(request, " ".join(error_messages(exc)))
    else:
        messages.error(request, _("Give a day, a time and a reason."))
    return redirect(reverse("sc:staff") + f"?center={room.center_id}")


@staff_required
def occupancy(request):
    center, centers = _staff_center(request)
    today = timezone.localdate()
    this_monday = today - datetime.timedelta(days=today.weekday())
    data = selectors.occupancy(user=request.user, center_ids=[center.pk],
                               first_week=this_monday - datetime.timedelta(weeks=5), weeks=8)
    chart = {
        "weeks": [w.strftime("%m-%d") for w in data["weeks"]],
        "series": [{"name": str(RoomKind(k).label), "data": v} for k, v in data["kinds"].items()],
    }
    return mobile_page(request, "servicecenters/occupancy.html", {"center": center, "centers": centers, "chart": chart})


@staff_required
def room_qr(request, room_pk):
    """The room's check-in QR code (SVG) to print and put on its door: it opens the resident's check-in page."""
    import io

    import segno

    room = get_object_or_404(
        selectors.room_list(user=request.user).filter(center__in=selectors.staff_center_list(user=request.user)),
        pk=room_pk,
    )
    url = request.build_absolute_uri(reverse("sc:check_in", args=[room.pk, services.room_check_in_token(room)]))
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=6, title=room.name)
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=3600"
    return response
