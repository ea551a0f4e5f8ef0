"""/dashboard/: the figures of the signed-in user's scope, read from the cache (see services.py)."""

import datetime
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scopes import resolve_scope

from .registry import figures
from .services import TIMEOUT, figures_for, fragment_key


class _Lazy:
    """An iterable computed on first use, so a cached fragment costs no presentation at all."""

    def __init__(self, make):
        self._make, self._items = make, None

    def __iter__(self):
        if self._items is None:
            self._items = list(self._make())
        return iter(self._items)


@dataclass(frozen=True)
class View:
    """What a figure's presentation may depend on besides its data."""

    year: int


def _year(request, years):
    value = request.GET.get("year", "")
    if value.isdigit() and 1949 <= int(value) <= 2100:
        return int(value)
    # By default the current year (Beijing time): the page tells how this year is going, even when it is still empty.
    return timezone.localdate().year


@login_required
def dashboard(request):
    scope = resolve_scope(request.user)
    if not scope.is_staff_user:
        raise PermissionDenied(_("The dashboard is for district staff and secretaries."))
    payload = figures_for(user=request.user)
    years = payload["years"]
    view = View(year=_year(request, years))

    def cards():
        # Called only when the cached fragment is missing (the template's {% cache %} block).
        for figure in figures():
            data = payload["figures"].get(figure.key)
            if data is not None:  # a figure registered after the last computation appears at the next refresh
                yield figure.present(data, view)
    label = payload["scope"]
    scope_name = _("Whole district") if label["district"] else "、".join(label["names"])
    title = _("District dashboard") if label["district"] else _("%(scope)s dashboard") % {"scope": scope_name}
    computed_at = timezone.localtime(datetime.datetime.fromisoformat(payload["computed_at"]))
    choices = sorted(set(years) | {view.year}, reverse=True)
    return render(request, "dashboard/index.html", {
        "cards": _Lazy(cards),
        # The cards' HTML is cached per scope, language, year and computation (services.fragment_key): a
        # new computation (the job, a cold page) changes the key, so a refreshed scope never shows old cards.
        "fragment_key": fragment_key(payload, view.year),
        "fragment_timeout": TIMEOUT,
        "scope_name": scope_name,
        "computed_at": computed_at,
        "year": view.year,
        "years": choices,
        "title": title,
    })
