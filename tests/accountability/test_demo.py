"""The accountability demo data: a year of duty reports, ballots, actions, committees, the reserve pool, visits."""

import datetime

import pytest
from django.contrib.auth.hashers import make_password

from accountability.models import (
    Ballot,
    Committee,
    ContactVisit,
    DutyReport,
    EvaluationRow,
    ReserveCadre,
    Voter,
)
from assessment.models import InterviewAction
from demo import accountability as accountability_demo
from demo import assessment as assessment_demo
from demo import tree as demo

SMALL = demo.Counts(streets=3, level2=7, villages=2, grids=8, building_groups=9, members=0, residents=0)
TODAY = datetime.date(2026, 11, 25)

pytestmark = pytest.mark.django_db


def test_seed_fills_a_year_and_is_deterministic():
    demo.build(1, counts=SMALL, seed=3, today=TODAY)
    hashed = make_password("x-demo-2026!")
    assessment_demo.seed(scale=1, seed=3, hashed_password=hashed, today=TODAY)
    lines = dict(accountability_demo.seed(scale=1, seed=3, hashed_password=hashed, today=TODAY))
    assert DutyReport.objects.filter(status="reviewed").count() == 3 + 7 + 24 == lines["duty reports"]
    assert Ballot.objects.count() == Voter.objects.count() == lines["ballots"] > 0
    assert InterviewAction.objects.exists()
    assert Committee.objects.filter(ended_on=None).count() == 3 + 7 + 8
    per_street = ReserveCadre.objects.values("street").distinct().count()
    assert per_street == 3 and 12 * 3 <= ReserveCadre.objects.count() <= 16 * 3  # 17 streets: 200+
    assert ContactVisit.objects.exists()
    assert EvaluationRow.objects.filter(year=2026).count() >= 3 + 7
    assert not DutyReport.objects.filter(final_score__isnull=True).exists()
    assert not DutyReport.objects.filter(rank__isnull=True).exists()
