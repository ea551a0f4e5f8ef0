"""The assessment demo data: plans, four ranked quarters, a year of inspections; deterministic."""

import datetime

import pytest
from django.contrib.auth.hashers import make_password

from demo import assessment as assessment_demo
from assessment.models import (
    Department,
    Finding,
    Inspection,
    InspectionPlan,
    Interview,
    Plan,
    RankingSnapshot,
    Score,
)
from demo import tree as demo
from jobs.models import JobRun

SMALL = demo.Counts(streets=3, level2=7, villages=2, grids=8, building_groups=9, members=0, residents=0)
TODAY = datetime.date(2026, 11, 25)

pytestmark = pytest.mark.django_db


def _build():
    demo.build(1, counts=SMALL, seed=3, today=TODAY)
    return assessment_demo.seed(scale=1, seed=3, hashed_password=make_password("x-demo-2026!"), today=TODAY)


def _fingerprint():
    return (
        sorted(Score.objects.values_list("quarter", "level", "indicator__name", "score", "org__code",
                                         "department__code")),
        sorted(Finding.objects.values_list("org__code", "found_on", "deadline", "status", "escalated_on")),
    )


def test_seed_gives_every_page_material_and_is_deterministic():
    lines = dict(_build())
    assert Department.objects.count() == 24 and Plan.objects.filter(year=2026).count() == 3
    assert list(RankingSnapshot.objects.order_by("quarter").values_list("quarter", flat=True).distinct()) == [
        "2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    assert JobRun.objects.filter(job="assessment.quarterly_ranking").count() == 4
    assert InspectionPlan.objects.values("month").distinct().count() == 12
    assert Inspection.objects.exists() and Finding.objects.exists() and Interview.objects.filter(status="held").exists()
    assert lines["quarterly scores"] == Score.objects.count()
    assert not Finding.objects.filter(escalated_on__gt=TODAY).exists()
    first = _fingerprint()
    # Same seed, same day: the same data.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE assessment_rankingrow, assessment_rankingsnapshot, assessment_interview, "
                       "assessment_followup, assessment_finding, assessment_inspection, assessment_inspectionplan, "
                       "assessment_score, assessment_indicator, assessment_plan, assessment_department, "
                       "assessment_quarter, jobs_jobrun, inbox_message, grids_orgnode, accounts_rolegrant, "
                       "auth_user CASCADE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    _build()
    assert _fingerprint() == first
