"""The quarterly ranking: weighted totals aggregated in SQL, ranks with ties shared, one immutable
snapshot per level, interview suggestions for the bottom of each ranking.

Weighted total of a unit = Σ score × weight / 100 over the plan's indicators (an unscored indicator
counts 0; a unit with no score at all is listed apart, without a rank). With indicators out of 100 and
weights adding up to 100, the total is out of 100. Arithmetic is exact (decimals): ties are real ties.

The number of queries does not depend on the number of units: one query per kind of row read
(plans, indicators, units, totals, scores, last quarter's rows) and one insert per table written.
"""

import math
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Sum

from grids.models import OrgNode

from .models import (
    TREE_LEVEL,
    Department,
    Interview,
    InterviewReason,
    Plan,
    RankingRow,
    RankingSnapshot,
    Score,
    UnitLevel,
)
from core.periods import parse_quarter, previous_quarter

HUNDRED = Decimal(100)


def competition_ranks(totals):
    """Standard competition ranks (1, 2, 2, 4) of a list of totals, highest first; returns a list of ranks."""
    ordered = sorted(totals, reverse=True)
    first_place = {}
    for position, total in enumerate(ordered, start=1):
        first_place.setdefault(total, position)
    return [first_place[t] for t in totals]


def rank_units(units, key):
    """Rank unit dicts by `unit[key]` (highest first, ties shared; None: not ranked) into `unit["rank"]`, then
    sort them in place: the ranked by rank, then the unranked, each by code. Returns `units`."""
    scored = [u for u in units if u[key] is not None]
    for unit in units:
        unit["rank"] = None
    for unit, rank in zip(scored, competition_ranks([u[key] for u in scored])):
        unit["rank"] = rank
    units.sort(key=lambda u: (u["rank"] is None, u["rank"] or 0, u["code"]))
    return units


def bottom_of(ranked, share=Decimal("0.1"), minimum_units=3):
    """The units at the bottom of a ranking: the lowest tenth (at least one), ties at the boundary included.

    `ranked` is a list of (key, total). Rankings of fewer than `minimum_units` units have no bottom.
    """
    if len(ranked) < minimum_units:
        return set()
    k = max(1, math.ceil(len(ranked) * share))
    threshold = sorted(total for _key, total in ranked)[k - 1]
    return {key for key, total in ranked if total <= threshold}


def _units(level):
    if level == UnitLevel.DEPARTMENT:
        return [
            {"key": ("department", d["id"]), "org_id": None, "department_id": d["id"], "code": d["code"],
             "name": d["name"], "parent_name": "", "parent_id": None, "secretary": d["secretary_name"]}
            for d in Department.objects.filter(active=True).values("id", "code", "name", "secretary_name")
        ]
    return [
        {"key": ("org", n["id"]), "org_id": n["id"], "department_id": None, "code": n["code"], "name": n["name"],
         "parent_name": n["parent__name"] or "", "parent_id": n["parent_id"], "secretary": n["secretary_name"]}
        for n in OrgNode.objects.filter(level=TREE_LEVEL[level]).values(
            "id", "code", "name", "parent_id", "parent__name", "secretary_name"
        )
    ]


def _unit_key(row):
    return ("org", row["org_id"]) if row["org_id"] is not None else ("department", row["department_id"])


def compute(quarter, level, plan):
    """The ranking of one level (without writing): a list of dicts, ranked first, then the unscored."""
    indicators = list(plan.indicators.all())
    scores = Score.objects.filter(quarter=quarter, level=level)
    weighted = ExpressionWrapper(F("score") * F("weight"), output_field=DecimalField(max_digits=14, decimal_places=4))
    totals = {
        _unit_key(row): row
        for row in scores.values("org_id", "department_id").annotate(raw=Sum(weighted), n=Count("id")).order_by()
    }
    by_unit = defaultdict(dict)
    for row in scores.values("org_id", "department_id", "indicator_id", "score").order_by():
        by_unit[_unit_key(row)][row["indicator_id"]] = row["score"]

    units = _units(level)
    for unit in units:
        aggregate = totals.get(unit["key"])
        unit["total"] = (aggregate["raw"] / HUNDRED) if aggregate else None
        own = by_unit.get(unit["key"], {})
        unit["breakdown"] = [
            {
                "id": ind.pk, "name": ind.name, "max": str(ind.max_score), "weight": str(ind.weight),
                "score": None if own.get(ind.pk) is None else str(own[ind.pk]),
                "weighted": None if own.get(ind.pk) is None else str(own[ind.pk] * ind.weight / HUNDRED),
            }
            for ind in indicators
        ]
    return rank_units(units, "total")


def take_snapshots(quarter):
    """Write the snapshot of every level that has a plan and no snapshot yet; returns a summary per level."""
    year, _q = parse_quarter(quarter)
    plans = {p.level: p for p in Plan.objects.filter(year=year).prefetch_related("indicators")}
    done = set(RankingSnapshot.objects.filter(quarter=quarter, superseded_at__isnull=True).values_list(
        "level", flat=True))
    # A quarter ranked again after it was reopened: units already suggested for an interview are not again.
    suggested_before = {_unit_key(r) for r in Interview.objects.filter(
        quarter=quarter, reason=InterviewReason.RANKING).values("org_id", "department_id")}
    previous = {
        (r["snapshot__level"], _unit_key(r)): r
        for r in RankingRow.objects.filter(snapshot__quarter=previous_quarter(quarter),
                                           snapshot__superseded_at__isnull=True).values(
            "snapshot__level", "org_id", "department_id", "rank", "total"
        )
    }
    summary, suggestions = {}, []
    for level in UnitLevel.values:
        plan = plans.get(level)
        if plan is None or level in done:
            summary[level] = {"skipped": "no plan" if plan is None else "already taken"}
            continue
        units = compute(quarter, level, plan)
        ranked = [u for u in units if u["rank"] is not None]
        bottom = bottom_of([(u["key"], u["total"]) for u in ranked]) - suggested_before
        snapshot = RankingSnapshot.objects.create(
            quarter=quarter, level=level, plan=plan, ranked_count=len(ranked),
            unscored_count=len(units) - len(ranked),
            indicators=[{"id": i.pk, "name": i.name, "max": str(i.max_score), "weight": str(i.weight)}
                        for i in plan.indicators.all()],
        )
        rows = []
        for unit in units:
            before = previous.get((level, unit["key"]), {})
            rows.append(RankingRow(
                snapshot=snapshot, org_id=unit["org_id"], department_id=unit["department_id"],
                unit_code=unit["code"], unit_name=unit["name"], parent_name=unit["parent_name"],
                rank=unit["rank"], total=unit["total"], breakdown=unit["breakdown"],
                previous_rank=before.get("rank"), previous_total=before.get("total"),
                interview_suggested=unit["key"] in bottom,
            ))
        RankingRow.objects.bulk_create(rows)
        for row, unit in zip(rows, units):
            if row.interview_suggested:
                suggestions.append((row, unit))
        summary[level] = {"ranked": len(ranked), "unscored": len(units) - len(ranked), "suggested": len(bottom)}
    interviews = [
        Interview(
            org_id=row.org_id, department_id=row.department_id, interviewee=unit["secretary"] or row.unit_name,
            reason=InterviewReason.RANKING, quarter=quarter, ranking_row=row,
            detail=f"{quarter} #{row.rank}/{summary[row.snapshot.level]['ranked']} · {row.total.quantize(Decimal('0.01'))}",
        )
        for row, unit in suggestions
    ]
    Interview.objects.bulk_create(interviews)
    return summary, suggestions
