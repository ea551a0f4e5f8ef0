"""A resident's booking series on the phone (/m/bookings/<id>/series/): every date of the series, past ones kept
and future ones movable, a form that moves all future dates at once (a refusal names each date that cannot move),
and cancelling the whole series (services.series_cancel)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ConflictError, PermissionDenied, ValidationError
from core.forms import add_service_error
from core.mobile import mobile_login_required, mobile_page

from . import selectors
from .forms import SeriesEditForm
from .series import SeriesClash, series_dates, series_edit


@mobile_login_required
def series(request, pk):
    booking = get_object_or_404(selectors.booking_list(user=request.user).filter(
        resident=request.user, series__isnull=False).select_related("series__room__center"), pk=pk)
    the_series = booking.series
    dates = series_dates(series=the_series)
    first = dates.ahead[0] if dates.ahead else booking
    initial = {"start": timezone.localtime(first.start).time(), "end": timezone.localtime(first.end).time(),
               "attendees": first.attendees, "purpose": first.purpose}
    form = SeriesEditForm(request.POST or None, initial=initial)
    clashes = []
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            moved = series_edit(actor=request.user, series=the_series, start_time=d["start"], end_time=d["end"],
                                attendees=d["attendees"], purpose=d["purpose"])
            messages.success(request, _("%(n)d future dates of the series changed; past dates stay as they were.")
                             % {"n": len(moved)})
            return redirect("sc:series", pk=booking.pk)
        except SeriesClash as exc:
            clashes = exc.dates
            form.add_error(None, _("Nothing was changed: %(n)d dates cannot move.") % {"n": len(clashes)})
        except ConflictError as exc:
            form.add_error(None, exc.message)
        except (ValidationError, PermissionDenied) as exc:
            add_service_error(form, exc)
    reasons = dict(clashes)
    for b in dates.ahead:
        b.clash = reasons.get(timezone.localtime(b.start).date())
    return mobile_page(request, "servicecenters/series.html", {
        "booking": booking, "series": the_series, "past": dates.past, "ahead": dates.ahead, "form": form,
        "clashes": clashes,
    })
