"""The quarterly ranking against an independent computation, ties, missing scores, snapshots and query counts."""

from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.models import Department, Indicator, Plan, RankingRow, RankingSnapshot, Score, UnitLevel
from assessment.ranking import bottom_of, competition_ranks, take_snapshots
from tests.assessment.conftest import Q, make_plan, put_scores
from tests.factories import CommunityFactory, StreetFactory

pytestmark = pytest.mark.django_db


def test_competition_ranks_share_ties():
    assert competition_ranks([90, 80, 80, 70]) == [1, 2, 2, 4]
    assert competition_ranks([70, 80, 90, 80]) == [4, 2, 1, 2]
    assert competition_ranks([5, 5, 5]) == [1, 1, 1]
    assert competition_ranks([]) == []


def test_bottom_includes_ties_at_the_boundary():
    ranked = [(i, t) for i, t in enumerate([90, 80, 70, 60, 50, 50, 40, 30, 20, 10, 10])]
    assert bottom_of(ranked) == {9, 10}  # ceil(11/10)=2 lowest: both 10s
    assert bottom_of([(1, 5), (2, 5), (3, 5)]) == {1, 2, 3}
    assert bottom_of([(1, 5), (2, 4)]) == set()  # too few to have a bottom


# --- an independent computation on generated data ---------------------------------------------------

MAXES = [Decimal("10"), Decimal("20"), Decimal("15.5"), Decimal("100")]
WEIGHTS = [Decimal("10"), Decimal("20"), Decimal("25"), Decimal("33.33"), Decimal("50")]


@st.composite
def quarters(draw):
    indicators = draw(st.lists(st.tuples(st.sampled_from(MAXES), st.sampled_from(WEIGHTS)), min_size=1, max_size=4))
    n_units = draw(st.integers(1, 9))
    table = []
    for _ in range(n_units):
        row = []
        for max_score, _w in indicators:
            # Half points from a small range make ties frequent; None is an unscored indicator.
            halves = draw(st.one_of(st.none(), st.integers(0, int(max_score * 2))))
            row.append(None if halves is None else min(Decimal(halves) / 2, max_score))
        table.append(row)
    return indicators, table


def independent(indicators, table):
    """Exact totals and ranks with fractions, no shared code: {unit index: (rank, total)} and the unscored set."""
    totals = {}
    for i, row in enumerate(table):
        if all(v is None for v in row):
            continue
        totals[i] = sum(Fraction(v) * Fraction(w) / 100 for v, (_m, w) in zip(row, indicators) if v is not None)
    ranks = {i: 1 + sum(1 for other in totals.values() if other > t) for i, t in totals.items()}
    unscored = {i for i in range(len(table)) if i not in totals}
    return ranks, totals, unscored


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=quarters())
def test_ranking_matches_an_independent_computation(db, data):
    indicators, table = data
    with transaction.atomic():
        plan = Plan.objects.create(year=2026, level=UnitLevel.DEPARTMENT, name="p", party_building_share=50)
        inds = [Indicator.objects.create(plan=plan, position=k, name=f"i{k}", max_score=m, weight=w)
                for k, (m, w) in enumerate(indicators)]
        depts = Department.objects.bulk_create([Department(code=f"D{i:02d}", name=f"部门{i}") for i in range(len(table))])
        Score.objects.bulk_create([
            Score(quarter=Q, level=UnitLevel.DEPARTMENT, department=d, indicator=ind, score=v, max_score=ind.max_score,
                  weight=ind.weight, evidence="e")
            for d, row in zip(depts, table) for ind, v in zip(inds, row) if v is not None
        ])
        take_snapshots(Q)
        rows = {r.department_id: r for r in RankingRow.objects.filter(snapshot__quarter=Q)}
        ranks, totals, unscored = independent(indicators, table)
        for i, d in enumerate(depts):
            row = rows[d.pk]
            if i in unscored:
                assert row.rank is None and row.total is None
            else:
                assert row.rank == ranks[i], (i, row.rank, ranks[i])
                assert Fraction(row.total) == totals[i]
        expected_bottom = bottom_of([(i, t) for i, t in totals.items()])
        assert {i for i, d in enumerate(depts) if rows[d.pk].interview_suggested} == expected_bottom
        transaction.set_rollback(True)


# --- fixed cases --------------------------------------------------------------------------------------


def _streets(n):
    return [StreetFactory(code=f"T{i:02d}", name=f"街道{i}") for i in range(n)]


def test_ties_missing_scores_and_the_breakdown(tree, plans):
    a, b, c, d, e = _streets(5)
    put_scores(a, Q, [90, 90, 90])          # 90
    put_scores(b, Q, [80, 80, 80])          # 80
    put_scores(c, Q, [100, 50, 70])         # (100×50 + 50×30 + 70×20) / 100 = 79
    put_scores(d, Q, [80, None, 80])        # 40 + 0 + 16 = 56
    put_scores(e, Q, [None, None, None])    # nothing: unscored
    put_scores(tree.street, Q, [80, 80, 80])  # ties with b
    summary, _ = take_snapshots(Q)
    rows = {r.unit_code: r for r in RankingRow.objects.filter(snapshot__level="street")}
    assert [(code, rows[code].rank) for code in ("T00", "T01", "S01", "T02", "T03")] == [
        ("T00", 1), ("T01", 2), ("S01", 2), ("T02", 4), ("T03", 5)]
    assert rows["T02"].total == Decimal("79")
    assert rows["T04"].rank is None and rows["S02"].rank is None  # listed apart
    assert summary["street"] == {"ranked": 5, "unscored": 2, "suggested": 1}
    assert rows["T03"].interview_suggested and not rows["T00"].interview_suggested
    missing = rows["T03"].breakdown[1]
    assert missing["score"] is None and missing["weighted"] is None and missing["max"] == "100.00"
    assert rows["T00"].breakdown[0] == {"id": rows["T00"].breakdown[0]["id"], "name": "street-指标1",
                                        "max": "100.00", "weight": "50.00", "score": "90.00", "weighted": "45.0000"}


def test_change_from_last_quarter_and_immutable_snapshots(tree, plans):
    put_scores(tree.street, "2026Q2", [60, 60, 60])
    put_scores(tree.other_street, "2026Q2", [70, 70, 70])
    take_snapshots("2026Q2")
    put_scores(tree.street, Q, [80, 80, 80])
    put_scores(tree.other_street, Q, [75, 75, 75])
    take_snapshots(Q)
    row = RankingRow.objects.get(snapshot__quarter=Q, org=tree.street)
    assert (row.rank, row.previous_rank, row.rank_change) == (1, 2, 1)
    assert (row.total, row.previous_total, row.change) == (80, 60, 20)
    with pytest.raises(ValidationError):
        row.save()
    with pytest.raises(ValidationError):
        row.delete()
    with pytest.raises(ValidationError):
        RankingSnapshot.objects.get(quarter=Q, level="street").save()
    # Scores changed afterwards do not change the snapshot, and it is never taken twice.
    Score.objects.filter(org=tree.street, quarter=Q).update(score=0)
    summary, _ = take_snapshots(Q)
    assert summary["street"] == {"skipped": "already taken"}
    assert RankingRow.objects.get(snapshot__quarter=Q, org=tree.street).total == 80


def test_the_database_locks_published_scores_and_snapshots(tree, plans):
    from django.db import IntegrityError

    from assessment.models import Quarter

    put_scores(tree.street, Q, [80, 80, 80])
    take_snapshots(Q)
    with pytest.raises(IntegrityError), transaction.atomic():
        RankingRow.objects.filter(org=tree.street).update(rank=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        RankingSnapshot.objects.filter(quarter=Q)._raw_delete(RankingSnapshot.objects.db)
    Quarter.objects.create(key=Q, status="published")
    with pytest.raises(IntegrityError), transaction.atomic():
        Score.objects.filter(org=tree.street).update(score=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        put_scores(tree.other_street, Q, [1, 1, 1])
    assert Score.objects.filter(org=tree.street, score=80).count() == 3


def test_levels_without_a_plan_are_skipped(tree):
    make_plan(UnitLevel.STREET)
    summary, _ = take_snapshots(Q)
    assert summary["community"] == {"skipped": "no plan"} and summary["department"] == {"skipped": "no plan"}
    assert RankingSnapshot.objects.filter(quarter=Q).count() == 1


def _reset_snapshots():
    """Test-only: empty the immutable tables (TRUNCATE is not a row change, so the triggers let it through)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # settle the deferred foreign-key checks first
        cursor.execute("TRUNCATE assessment_rankingrow, assessment_rankingsnapshot, assessment_interview, "
                       "assessment_interviewaction")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _grow(prefix, n_streets, communities_each):
    streets = []
    for s in range(n_streets):
        street = StreetFactory(code=f"{prefix}{s:02d}")
        streets.append(street)
        for c in range(communities_each):
            community = CommunityFactory(code=f"{prefix}{s:02d}C{c:02d}", parent=street)
            put_scores(community, Q, [60 + c, 70, 50 + s])
        put_scores(street, Q, [70 + s, 80, 90])
    return streets


def test_the_ranking_costs_the_same_queries_whatever_the_size(tree, plans, django_assert_num_queries):
    _grow("G", 3, 2)
    put_scores(plans.dept, Q, [80, 80, 80])
    with django_assert_num_queries(21) as small:
        take_snapshots(Q)
    n_small = RankingRow.objects.count()
    _reset_snapshots()
    _grow("H", 12, 6)
    Department.objects.bulk_create([Department(code=f"X{i}", name=f"部门X{i}") for i in range(20)])
    with django_assert_num_queries(21):
        take_snapshots(Q)
    assert RankingRow.objects.count() > 5 * n_small
    assert len(small.captured_queries) == 21
