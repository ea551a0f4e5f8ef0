"""/dashboard/: the figures of the signed-in user's scope, read from the cache (see services.py)."""

import datetime
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from accounts.scopes import resolve_scope

from .registry import figures
from .services import cached_page, keep_page


class _Lazy:
    """An iterable computed on first use, so a cached page content costs no presentation at all."""

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


def _year(request):
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
    view = View(year=_year(request))
    # The figures and, when already rendered from them, the page's content: one cache read (services.cached_page).
    payload, content = cached_page(user=request.user, year=view.year)

    def cards():
        # Called only when the content is rendered (no cached content for this computation, language and year).
        for figure in figures():
            data = payload["figures"].get(figure.key)
            if data is not None:  # a figure registered after the last computation appears at the next refresh
                yield figure.present(data, view)
    label = payload["scope"]
    scope_name = _("Whole district") if label["district"] else "、".join(label["names"])
    title = _("District dashboard") if label["district"] else _("%(scope)s dashboard") % {"scope": scope_name}
    context = {
        "cards": _Lazy(cards),
        "scope_name": scope_name,
        "computed_at": timezone.localtime(datetime.datetime.fromisoformat(payload["computed_at"])),
        "year": view.year,
        "years": sorted(set(payload["years"]) | {view.year}, reverse=True),
        "title": title,
    }
    if content is None:
        # Nothing in it is the user's (no form token, no name): it is rendered without the request, and kept for
        # every user of the scope (per language, year and computation: a refreshed scope never shows old cards).
        content = render_to_string("dashboard/_content.html", context)
        keep_page(user=request.user, year=view.year, payload=payload, html=content)
    return render(request, "dashboard/index.html", {**context, "content": mark_safe(content)})  # rendered by us
