"""A volunteer team's leader on the phone (/m/teams/<id>/roster/): the roster with each member's hours this year,
adding a member, and recording a member's hours (a party member's hours earn volunteering points, see
participation.services.teams.hours_record). The team's community keeps the roster too."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ConflictError, PermissionDenied, ValidationError
from core.forms import add_service_error
from core.mobile import mobile_login_required, mobile_page

from . import selectors, services
from .forms import HoursForm, TeamMemberForm


def _team(request, pk):
    team = selectors.team_for_roster(user=request.user, pk=pk)
    if team is None:
        raise Http404
    return team


def _page(request, team, *, member_form=None, hours_form=None, status=200):
    roster = list(selectors.team_roster(team=team))
    today = timezone.localdate()
    return mobile_page(request, "participation/team_roster.html", {
        "team": team, "roster": roster, "year": today.year,
        "year_total": sum((m.year_hours for m in roster), 0),
        "member_form": member_form or TeamMemberForm(initial={"joined_on": today}),
        "hours_form": hours_form or HoursForm(roster=roster, initial={"on": today}),
    }, status=status)


@mobile_login_required
def roster(request, pk):
    return _page(request, _team(request, pk))


@mobile_login_required
@require_POST
def add_member(request, pk):
    team = _team(request, pk)
    form = TeamMemberForm(request.POST)
    if form.is_valid():
        try:
            services.team_add_member(actor=request.user, team=team, name=form.cleaned_data["name"],
                                     joined_on=form.cleaned_data["joined_on"])
            messages.success(request, _("%(name)s is on the roster.") % {"name": form.cleaned_data["name"]})
            return redirect("participation:team_roster", pk=team.pk)
        except (ValidationError, PermissionDenied) as exc:
            add_service_error(form, exc)
    return _page(request, team, member_form=form, status=400)


@mobile_login_required
@require_POST
def record_hours(request, pk):
    team = _team(request, pk)
    roster_ = {m.pk: m for m in selectors.team_roster(team=team)}
    form = HoursForm(request.POST, roster=roster_.values())
    if form.is_valid():
        d = form.cleaned_data
        try:
            entry = services.hours_record(actor=request.user, membership=roster_[d["membership"]], on=d["on"],
                                          hours=d["hours"], what=d["what"])
            messages.success(request, _("Recorded %(hours)s hours for %(name)s.") % {
                "hours": entry.hours, "name": entry.membership.name}
                + (" " + _("Points awarded.") if entry.point_entry_id else ""))
            return redirect("participation:team_roster", pk=team.pk)
        except ConflictError as exc:
            form.add_error(None, exc.message)
        except (ValidationError, PermissionDenied) as exc:
            add_service_error(form, exc)
    return _page(request, team, hours_form=form, status=400)
