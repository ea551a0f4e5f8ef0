"""Reads of the assessment app, always cut to the acting user's scope (accounts.scopes).

District staff and inspectors read everything. A secretary reads the units in their subtree: a street
secretary their street and its communities, a community secretary their community. Departments are
not tree nodes: only district-wide readers see them. Inspection plans are unannounced: district and
inspectors only; a unit sees its own inspections once published, and its own findings.
"""

from django.db.models import Count, Q

from accounts.models import Role
from accounts.scopes import is_district, resolve_scope, role_paths
from grids.models import OrgNode

from .models import (
    Department,
    Finding,
    FindingStatus,
    Inspection,
    InspectionPlan,
    Interview,
    Plan,
    RankingRow,
    RankingSnapshot,
    Score,
    UnitLevel,
)


def _unit_q(scope, prefix=""):
    """Rows pointing at an org in scope, or at a department for district-wide readers."""
    if scope.read_all:
        return Q()
    return Q(**{f"{prefix}department__isnull": True}) & scope.nodes_q(prefix=f"{prefix}org__")


def ranking_levels(*, user):
    """The levels whose ranking the user sees any row of."""
    scope = resolve_scope(user)
    if scope.read_all:
        return list(UnitLevel)
    if not scope.read_paths:
        return []
    depths = {p.count("/") - 1 for p in scope.read_paths}
    levels = []
    if 1 in depths:
        levels.append(UnitLevel.STREET)
    if depths & {1, 2}:
        levels.append(UnitLevel.COMMUNITY)
    return levels


def snapshot_quarters(*, level=None):
    """Quarters that have a snapshot (newest first)."""
    qs = RankingSnapshot.objects.filter(superseded_at__isnull=True)
    if level:
        qs = qs.filter(level=level)
    return list(qs.order_by("-quarter").values_list("quarter", flat=True).distinct())


def ranking_rows(*, user, quarter, level):
    """The rows of one snapshot the user may see, ranked first, then the unscored."""
    scope = resolve_scope(user)
    return RankingRow.objects.filter(_unit_q(scope), snapshot__quarter=quarter, snapshot__level=level,
                                     snapshot__superseded_at__isnull=True).select_related(
        "snapshot"
    )


def ranking_row(*, user, pk):
    """One row (404 material when outside the scope: None)."""
    scope = resolve_scope(user)
    return RankingRow.objects.filter(_unit_q(scope), pk=pk).select_related("snapshot", "snapshot__plan").first()


def previous_row(*, row):
    """The same unit's row in the previous quarter's snapshot of the same level, if any."""
    from core.periods import previous_quarter

    return RankingRow.objects.filter(
        snapshot__quarter=previous_quarter(row.snapshot.quarter), snapshot__level=row.snapshot.level,
        snapshot__superseded_at__isnull=True, org_id=row.org_id, department_id=row.department_id,
    ).first()


def trend(*, user, level, quarters, unit_ids=None):
    """{unit: {quarter: total}} over `quarters` for the visible units of `level` (optionally only some)."""
    scope = resolve_scope(user)
    rows = RankingRow.objects.filter(
        _unit_q(scope), snapshot__level=level, snapshot__quarter__in=quarters, total__isnull=False,
        snapshot__superseded_at__isnull=True,
    )
    if unit_ids is not None:
        key = "department_id__in" if level == UnitLevel.DEPARTMENT else "org_id__in"
        rows = rows.filter(**{key: unit_ids})
    return rows.values("org_id", "department_id", "unit_name", "snapshot__quarter", "total", "rank")


def level_averages(*, level, quarters):
    """The average total of each quarter's snapshot of a level (district-wide figures, not unit data)."""
    from django.db.models import Avg

    return dict(
        RankingRow.objects.filter(snapshot__level=level, snapshot__quarter__in=quarters, total__isnull=False,
                                  snapshot__superseded_at__isnull=True)
        .values_list("snapshot__quarter").annotate(avg=Avg("total")).order_by()
    )


def unit_for(*, user, kind, pk):
    """The org (level 1–2) or department the user may see, else None."""
    scope = resolve_scope(user)
    if kind == "department":
        return Department.objects.filter(pk=pk).first() if scope.read_all else None
    if kind == "org":
        return OrgNode.objects.filter(scope.nodes_q(), level__in=(1, 2), pk=pk).select_related("parent").first()
    return None


def unit_history(*, user, unit):
    """Every snapshot row of one unit, oldest first (the unit must be visible: use unit_for first)."""
    field = "department" if isinstance(unit, Department) else "org"
    return RankingRow.objects.filter(_unit_q(resolve_scope(user)), snapshot__superseded_at__isnull=True,
                                     **{field: unit}).select_related(
        "snapshot"
    ).order_by("snapshot__quarter")


# --- score entry ----------------------------------------------------------------------------------


def assessable_units(*, user, level):
    """Units of `level` the user scores: district staff all, a street secretary their street's communities."""
    if level == UnitLevel.DEPARTMENT:
        return Department.objects.filter(active=True) if is_district(user) else Department.objects.none()
    tree_level = 1 if level == UnitLevel.STREET else 2
    nodes = OrgNode.objects.filter(level=tree_level).select_related("parent")
    if is_district(user):
        return nodes
    if level == UnitLevel.COMMUNITY:
        paths = role_paths(user, Role.STREET_SECRETARY)
        if paths:
            return nodes.subtree_of(*paths)
    return nodes.none()


def assessable_levels(*, user):
    """The levels of the units the user scores (see assessable_units)."""
    if is_district(user):
        return list(UnitLevel)
    return [UnitLevel.COMMUNITY] if role_paths(user, Role.STREET_SECRETARY) else []


def plan_for(*, year, level):
    return Plan.objects.filter(year=year, level=level).prefetch_related("indicators").first()


def score_counts(*, user, quarter, level):
    """{unit id: number of indicators scored} for the units the user scores."""
    units = assessable_units(user=user, level=level)
    field = "department_id" if level == UnitLevel.DEPARTMENT else "org_id"
    scores = Score.objects.filter(quarter=quarter, level=level, **{f"{field}__in": units.values("pk")})
    return dict(scores.values_list(field).annotate(n=Count("id")).order_by())


def unit_scores(*, user, quarter, unit):
    """The scores of one unit the user scores, by indicator id."""
    field = "department" if isinstance(unit, Department) else "org"
    return {s.indicator_id: s for s in Score.objects.filter(quarter=quarter, **{field: unit})}


# --- inspections and interviews -------------------------------------------------------------------


def inspection_plans(*, user, month):
    scope = resolve_scope(user)
    if not scope.read_all:
        return InspectionPlan.objects.none()
    return InspectionPlan.objects.filter(month=month).select_related("org", "inspector", "inspection")


def inspections(*, user):
    """Inspections: all for district and inspectors; a unit's own once published."""
    scope = resolve_scope(user)
    qs = Inspection.objects.select_related("org", "inspector").annotate(
        findings_count=Count("findings"),
        open_count=Count("findings", filter=~Q(findings__status=FindingStatus.CLOSED)),
    )
    if scope.read_all:
        return qs
    return qs.filter(scope.nodes_q(prefix="org__"), published_at__isnull=False)


def findings(*, user):
    scope = resolve_scope(user)
    qs = Finding.objects.select_related("org", "inspection", "inspection__inspector")
    if scope.read_all:
        return qs
    return qs.filter(scope.nodes_q(prefix="org__"), inspection__published_at__isnull=False)


def finding_for(*, user, pk):
    return findings(user=user).filter(pk=pk).prefetch_related("followups", "followups__author").first()


def notices(*, user):
    """The published notice list (通报)."""
    return inspections(user=user).filter(published_at__isnull=False).order_by("-published_at")


def interviews(*, user):
    """Interviews of the units in scope; one about a finding only once its inspection is published (district and
    inspectors see all)."""
    scope = resolve_scope(user)
    qs = Interview.objects.filter(_unit_q(scope))
    if not scope.read_all:
        qs = qs.filter(Q(finding__isnull=True) | Q(finding__inspection__published_at__isnull=False))
    return qs.select_related(
        "org", "org__parent", "department", "interviewer", "ranking_row", "finding"
    )


def interview_for(*, user, pk):
    """One interview the user may see, with its agreed actions (None when outside the scope)."""
    return interviews(user=user).filter(pk=pk).prefetch_related("actions").first()


def interview_quarter(interview):
    """The quarter an interview answers for: its ranking's, else the quarter it was held (or proposed) in."""
    from core.periods import quarter_of

    if interview.quarter:
        return interview.quarter
    return quarter_of(interview.held_on or interview.created_at.date())


def next_quarter_row(*, user, interview):
    """The unit's row in the ranking of the quarter after the one the interview answers for, if taken (judging
    whether the interview worked)."""
    from core.periods import next_quarter

    field = {"department_id": interview.department_id} if interview.department_id else {"org_id": interview.org_id}
    return RankingRow.objects.filter(_unit_q(resolve_scope(user)),
                                     snapshot__quarter=next_quarter(interview_quarter(interview)),
                                     snapshot__superseded_at__isnull=True, **field).select_related("snapshot").first()


# --- lists of the REST API (assessment/api.py) -------------------------------------------------------------


def plan_list(*, user):
    """The yearly plans with their indicators (the rules of the game: every signed-in staff user reads them)."""
    return Plan.objects.prefetch_related("indicators")


def score_list(*, user):
    """The scores of the units the user scores (assessable_units: district staff all, a street secretary their
    street's communities), with their indicator."""
    qs = Score.objects.select_related("indicator", "org", "department", "entered_by")
    if is_district(user):
        return qs
    paths = role_paths(user, Role.STREET_SECRETARY)
    if not paths:
        return qs.none()
    q = Q()
    for path in paths:
        q |= Q(org__path__startswith=path)
    return qs.filter(q, org__level=2)


def ranking_row_list(*, user):
    """Every ranking snapshot row the user may see (snapshots are taken when a quarter is published)."""
    return RankingRow.objects.filter(_unit_q(resolve_scope(user)), snapshot__superseded_at__isnull=True).select_related(
        "snapshot")
