"""The phone-page shell: every phone page renders through `mobile_page`, which adds the navigation's figures.

Apps contribute figures (the inbox's unread count, the staff link) with `register_nav_figures` from their
AppConfig.ready, so that the shell depends on none of them.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse_lazy

_NAV_FIGURES = []

#: Phone pages need a signed-in user; the phone sign-in page is the residents' (URL name "sc:login").
mobile_login_required = login_required(login_url=reverse_lazy("sc:login"))


def register_nav_figures(provider):
    """`provider(request) -> dict` of context names for the phone navigation (nav_unread, nav_staff, …)."""
    if provider not in _NAV_FIGURES:
        _NAV_FIGURES.append(provider)
    return provider


def mobile_page(request, template, context, status=200):
    """Render a phone page with the navigation's figures."""
    for provider in _NAV_FIGURES:
        for name, value in provider(request).items():
            context.setdefault(name, value)
    return render(request, template, context, status=status)
