"""Fixtures of the assessment tests: a year's plans on top of the shared `tree`, and quick score writers."""

import datetime
from decimal import Decimal

import pytest

from assessment.models import Department, Indicator, Plan, Score, UnitLevel
from tests.factories import Role, UserFactory, grant

YEAR = 2026
Q = "2026Q3"  # complete by the suite's real today (2026-11); Q4 is the current quarter


class Setup:
    pass


def make_plan(level, year=YEAR, weights=(50, 30, 20), maxes=(100, 100, 100), share=30):
    plan = Plan.objects.create(year=year, level=level, name=f"{year} {level}", party_building_share=share)
    for i, (w, m) in enumerate(zip(weights, maxes)):
        Indicator.objects.create(plan=plan, position=i, name=f"{level}-指标{i + 1}", max_score=m, weight=w,
                                 method="按检查记录评分")
    return plan


def put_scores(unit, quarter, values, level=None):
    """Write scores directly (the services are tested on their own): values are per indicator, None = unscored."""
    if isinstance(unit, Department):
        level, field = UnitLevel.DEPARTMENT, {"department": unit}
    else:
        level, field = {1: UnitLevel.STREET, 2: UnitLevel.COMMUNITY}[unit.level], {"org": unit}
    plan = Plan.objects.get(year=int(quarter[:4]), level=level)
    rows = []
    for ind, value in zip(plan.indicators.all(), values):
        if value is not None:
            rows.append(Score(quarter=quarter, level=level, indicator=ind, score=Decimal(str(value)),
                              max_score=ind.max_score, weight=ind.weight, evidence="台账", **field))
    Score.objects.bulk_create(rows)


@pytest.fixture
def plans(tree):
    s = Setup()
    s.street = make_plan(UnitLevel.STREET, share=30)
    s.community = make_plan(UnitLevel.COMMUNITY, share=100)
    s.department = make_plan(UnitLevel.DEPARTMENT, share=50)
    s.dept = Department.objects.create(code="D01", name="区委办公室", secretary_name="刘主任")
    s.other_dept = Department.objects.create(code="D02", name="区委宣传部", secretary_name="陈部长")
    return s


@pytest.fixture
def inspector(db):
    return grant(UserFactory(username="inspector-01", first_name="赵督查"), Role.INSPECTOR)


@pytest.fixture
def other_street_secretary(tree):
    return grant(UserFactory(username="sec-S02"), Role.STREET_SECRETARY, tree.other_street)


@pytest.fixture
def today():
    return datetime.date(2026, 11, 25)


@pytest.fixture(autouse=True)
def _english():
    """Service messages are asserted in English (the msgids); pages ask for English by header where they check text."""
    from django.utils import translation

    with translation.override("en"):
        yield
