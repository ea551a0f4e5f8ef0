"""Figures from other apps: last quarter's ranking (assessment/), cut to the scope like every figure."""

import pytest

from dashboard import optional, services
from dashboard.registry import ComputeContext
from dashboard.views import View

pytestmark = pytest.mark.django_db


def test_ranking_figure_follows_the_scope(tree):
    from assessment.models import RankingRow, RankingSnapshot

    snapshot = RankingSnapshot.objects.create(quarter="2026Q3", level="street", ranked_count=2)
    for rank, street, total in [(1, tree.street, 91.5), (2, tree.other_street, 80)]:
        RankingRow.objects.create(snapshot=snapshot, org=street, unit_code=street.code, unit_name=street.name,
                                  rank=rank, total=total, interview_suggested=rank == 2)
    district = optional.compute_ranking(ComputeContext(scope=services.district_scope()))
    assert district["quarter"] == "2026Q3" and district["ranked"] == 2 and district["interviews"] == 1
    assert [row[0] for row in district["rows"]] == ["经八路街道", "北林路街道"]
    street = optional.compute_ranking(ComputeContext(scope=services.paths_scope([tree.street.path])))
    assert [row[0] for row in street["rows"]] == ["经八路街道"]  # no community ranking yet: their street's rank
    card = optional.present_ranking(district, View(year=2026))
    assert card.chart and card.stats[0][1] == "2026Q3"


def test_no_ranking_yet(tree):
    data = optional.compute_ranking(ComputeContext(scope=services.district_scope()))
    assert data == {"quarter": None}
    assert optional.present_ranking(data, View(year=2026)).chart is None
