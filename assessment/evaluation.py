"""The year-end comprehensive evaluation (年终综合评定): the four quarters' snapshots and the year's findings.

Score = average of the quarters' weighted totals (the quarters ranked) − 0.5 per finding of the year
− 1 more per finding escalated as overdue (at most 10 off). Grade: excellent ≥ 90, good ≥ 80,
fair ≥ 60, else poor. Ranked with ties shared, like the quarters. Two queries, whatever the size.
"""

import datetime
from decimal import Decimal

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from accounts.scopes import resolve_scope
from core.periods import year_quarters

from .models import Finding, UnitLevel
from .ranking import rank_units
from .selectors import _unit_q

PER_FINDING = Decimal("0.5")
PER_ESCALATION = Decimal("1")
MAX_DEDUCTION = Decimal("10")
GRADES = ((Decimal(90), _("Excellent")), (Decimal(80), _("Good")), (Decimal(60), _("Fair")), (Decimal(0), _("Poor")))
TWO = Decimal("0.01")


def grade_of(score):
    for floor, label in GRADES:
        if score >= floor:
            return label
    return GRADES[-1][1]


def year_evaluation(*, user, year, level):
    """Rows (dicts) for the units of `level` the user sees: quarters, average, deductions, final, grade, rank."""
    scope = resolve_scope(user)
    return evaluate(year=year, level=level, unit_q=_unit_q(scope), published_only=not scope.read_all)


def evaluate(*, year, level, unit_q=None, published_only=True):
    """The evaluation of every unit of `level` (or those matching `unit_q`): see year_evaluation. The stored
    year-end evaluation (accountability) starts from it. Findings count only from published inspections unless
    `published_only` is False (for those who see the unannounced ones too): an inspection not yet published is
    not the units' to know of, nor does it weigh in an official score."""
    from .models import RankingRow

    quarters = year_quarters(year)
    rows = RankingRow.objects.filter(
        unit_q or Q(), snapshot__level=level, snapshot__quarter__in=quarters, snapshot__superseded_at__isnull=True
    ).values("org_id", "department_id", "unit_code", "unit_name", "parent_name", "snapshot__quarter", "total", "rank")
    units = {}
    for r in rows:
        key = r["org_id"] or f"d{r['department_id']}"
        unit = units.setdefault(key, {
            "org_id": r["org_id"], "department_id": r["department_id"], "code": r["unit_code"],
            "name": r["unit_name"], "parent_name": r["parent_name"], "quarters": {q: None for q in quarters},
            "findings": 0, "escalated": 0,
        })
        unit["quarters"][r["snapshot__quarter"]] = r
    if level != UnitLevel.DEPARTMENT and units:
        counts = Finding.objects.filter(
            found_on__range=(datetime.date(year, 1, 1), datetime.date(year, 12, 31)),
            org_id__in=[u["org_id"] for u in units.values()],
        )
        if published_only:
            counts = counts.filter(inspection__published_at__isnull=False)
        counts = counts.values("org_id").annotate(
            n=Count("id"), e=Count("id", filter=Q(escalated_on__isnull=False))).order_by()
        for c in counts:
            units[c["org_id"]]["findings"], units[c["org_id"]]["escalated"] = c["n"], c["e"]
    result = []
    for unit in units.values():
        totals = [r["total"] for r in unit["quarters"].values() if r and r["total"] is not None]
        unit["quarter_list"] = [unit["quarters"][q] for q in quarters]
        if not totals:
            unit.update(average=None, deduction=None, final=None, grade=None)
        else:
            average = sum(totals) / len(totals)
            deduction = min(MAX_DEDUCTION, PER_FINDING * unit["findings"] + PER_ESCALATION * unit["escalated"])
            final = max(Decimal(0), average - deduction).quantize(TWO)
            unit.update(average=average.quantize(TWO), deduction=deduction, final=final, grade=grade_of(final),
                        quarters_ranked=len(totals))
        result.append(unit)
    return rank_units(result, "final")
