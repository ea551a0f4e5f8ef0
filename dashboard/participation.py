"""The dashboard's figures of residents taking part (participation/): requests handled, activity attendance,
volunteer hours and 智库 matches, per year, cut to the scope being computed (requests and matches by their
community's node, activities by their center's street, hours by their team's node)."""

from django.db.models import Avg, Count, Q, Sum
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from participation.models import (
    Match,
    MatchStatus,
    RequestStatus,
    ResidentRequest,
    Signup,
    SignupStatus,
    VolunteerHours,
)

from .figures import _bar, n
from .registry import Card, figure

HANDLED = [RequestStatus.ANSWERED, RequestStatus.CLOSED]


def _by_year(rows):
    return {str(r.pop("year")): {k: (float(v) if v is not None and not isinstance(v, int) else (v or 0))
                                 for k, v in r.items()} for r in rows if r.get("year")}


def present_participation(data, view):
    year = str(view.year)
    req = data["requests"].get(year, {})
    act = data["activities"].get(year, {})
    hrs = data["hours"].get(year, {})
    mat = data["matches"].get(year, {})
    rating = req.get("rating")
    stats = [
        (_("requests handled"), n(req.get("handled")), _("of %(raised)s raised") % {"raised": n(req.get("raised"))}),
        (_("overdue, passed to the street"), n(req.get("escalated")), ""),
        (_("residents' rating"), f"{rating:.1f} ★" if rating else "—", ""),
        (_("activity attendance"), n(act.get("attended")), _("of %(signed)s signed up") % {
            "signed": n(act.get("signed"))}),
        (_("volunteer hours"), n(hrs.get("hours")), _("%(people)s volunteers") % {"people": n(hrs.get("people"))}),
        (_("think-tank matches agreed"), n(mat.get("agreed")), _("%(done)s done") % {"done": n(mat.get("done"))}),
    ]
    labels = [_("requests handled"), _("activity attendance"), _("volunteer hours"), _("think-tank matches agreed")]
    values = [req.get("handled", 0), act.get("attended", 0), round(hrs.get("hours", 0)), mat.get("agreed", 0)]
    return Card(key="participation", title=_("Residents taking part, %(year)s") % {"year": view.year}, stats=stats,
                chart=_bar([str(label) for label in labels], [(_("count"), values)], legend=False))


@figure("participation", title=gettext_lazy("Residents taking part"), order=110, present=present_participation,
        bulk=True)
def compute_participation(ctx):
    requests = ctx.rows(ResidentRequest.objects.annotate(year=ExtractYear("created_at")), "community__", "year",
                        raised=Count("pk"), handled=Count("pk", filter=Q(status__in=HANDLED)),
                        escalated=Count("pk", filter=Q(escalated_at__isnull=False)), rating=Avg("rating"))
    activities = ctx.rows(Signup.objects.annotate(year=ExtractYear("activity__starts_at")),
                          "activity__center__street__", "year",
                          signed=Count("pk", filter=Q(status__in=[SignupStatus.SIGNED_UP, SignupStatus.ATTENDED])),
                          attended=Count("pk", filter=Q(status=SignupStatus.ATTENDED)))
    hours = ctx.rows(VolunteerHours.objects.annotate(year=ExtractYear("on")), "membership__team__node__", "year",
                     hours=Sum("hours"), people=Count("membership", distinct=True))
    matches = ctx.rows(Match.objects.exclude(agreed_on=None).annotate(year=ExtractYear("agreed_on")), "need__node__",
                       "year", agreed=Count("pk"), done=Count("pk", filter=Q(status=MatchStatus.DONE)))
    return ctx.build(_participation, requests, activities, hours, matches)


def _participation(requests, activities, hours, matches):
    data = {"requests": _by_year([dict(r) for r in requests]), "activities": _by_year([dict(r) for r in activities]),
            "hours": _by_year([dict(r) for r in hours]), "matches": _by_year([dict(r) for r in matches])}
    data["years"] = sorted({int(y) for part in data.values() for y in part})
    return data
