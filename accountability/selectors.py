"""Reads of accountability, cut to the user's scope (accounts.scopes) as assessment's are: district staff and
inspectors read everything; a secretary the units of their subtree; departments only district-wide readers."""

from django.db.models import Count, Q

from accounts.scopes import resolve_scope
from assessment.selectors import _unit_q
from grids.models import OrgNode

from .models import (
    Committee,
    ContactPoint,
    ContactVisit,
    DutyCycle,
    DutyReport,
    EvaluationRow,
    EvaluationYear,
    ReserveCadre,
    Slate,
)


def duty_cycles(*, user):
    """Cycles of the kinds of unit the user sees any report of (all for district readers)."""
    scope = resolve_scope(user)
    if scope.read_all:
        return DutyCycle.objects.all()
    if not scope.read_paths:
        return DutyCycle.objects.none()
    return DutyCycle.objects.filter(pk__in=DutyReport.objects.filter(_unit_q(scope)).values("cycle_id"))


def duty_reports(*, user, cycle=None):
    qs = DutyReport.objects.filter(_unit_q(resolve_scope(user))).select_related(
        "cycle", "org", "org__parent", "department")
    return qs.filter(cycle=cycle) if cycle is not None else qs


def duty_report_for(*, user, pk):
    return duty_reports(user=user).filter(pk=pk).annotate(ballot_count=Count("ballots")).first()


def ballot_counts(*, report):
    """{(kind, choice): n} of a report's ballots: counts only, never voters."""
    return {(k, c): n for k, c, n in report.ballots.values_list("kind", "choice").annotate(n=Count("id")).order_by()}


def evaluation_year(*, year):
    return EvaluationYear.objects.filter(year=year).first()


def evaluation_rows(*, user, year=None, level=None):
    qs = EvaluationRow.objects.filter(_unit_q(resolve_scope(user))).select_related("evaluation")
    if year is not None:
        qs = qs.filter(year=year)
    if level is not None:
        qs = qs.filter(level=level)
    return qs


def evaluation_row_for(*, user, pk):
    return evaluation_rows(user=user).filter(pk=pk).select_related("org", "department").first()


def committees(*, user, current=True):
    scope = resolve_scope(user)
    qs = Committee.objects.filter(scope.nodes_q(prefix="org__")).select_related("org", "org__parent")
    return qs.filter(ended_on__isnull=True) if current else qs


def committee_for(*, user, pk):
    return committees(user=user, current=False).filter(pk=pk).prefetch_related("members", "five_ones").first()


def reserve_cadres(*, user):
    return ReserveCadre.objects.filter(resolve_scope(user).nodes_q(prefix="street__")).select_related("street")


def slates(*, user):
    return Slate.objects.filter(resolve_scope(user).nodes_q(prefix="org__")).select_related("org")


def slate_for(*, user, pk):
    return slates(user=user).filter(pk=pk).prefetch_related("candidates", "candidates__cadre").first()


def visible_streets(*, user):
    return OrgNode.objects.filter(resolve_scope(user).nodes_q(), level=1).order_by("code")


def contact_points(*, user, year):
    """The standing committee's contact points in the user's area, with the year's visits and problems."""
    in_year = Q(visits__visited_on__year=year)
    from django.db.models import Sum

    return ContactPoint.objects.filter(resolve_scope(user).nodes_q(prefix="org__")).select_related(
        "member", "org", "org__parent").annotate(
        visit_count=Count("visits", filter=in_year), problems=Sum("visits__problems", filter=in_year),
        solved=Sum("visits__solved", filter=in_year)).order_by("member_id", "org__path")


def contact_visits(*, user, year):
    return ContactVisit.objects.filter(resolve_scope(user).nodes_q(prefix="point__org__"),
                                       visited_on__year=year).select_related("point__member", "point__org")


def contact_figures(*, org_q):
    """The standing committee's contact points under `org_q` (a Q on ContactPoint's org): the number of points and,
    per year, visits, problems taken up and solved, per member. For the dashboard (no user: a scope's Q)."""
    from django.db.models import Sum
    from django.db.models.functions import ExtractYear

    points = ContactPoint.objects.filter(org_q)
    rows = (ContactVisit.objects.filter(point__in=points).annotate(y=ExtractYear("visited_on"))
            .values("y", "point__member__name").annotate(visits=Count("id"), problems=Sum("problems"),
                                                         solved=Sum("solved")).order_by("y", "point__member__name"))
    by_year = {}
    for r in rows:
        by_year.setdefault(str(r["y"]), []).append([r["point__member__name"], r["visits"], r["problems"] or 0,
                                                    r["solved"] or 0])
    return {"points": points.count(), "members": points.values("member").distinct().count(), "by_year": by_year}
