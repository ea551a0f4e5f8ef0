"""Fixtures of the accountability tests: ranked quarters of a year on the shared tree, a duty cycle."""

import datetime

import pytest

from accountability import services
from assessment.models import UnitLevel
from assessment.ranking import take_snapshots
from tests.assessment.conftest import make_plan, put_scores
from tests.factories import CommunityFactory, Role, UserFactory, grant

YEAR = 2026
CRITERIA = "履职尽责: 40\n解决问题: 30\n党建成效: 30"


@pytest.fixture
def plans(tree):
    return _make_plans()


def _make_plans():
    from assessment.models import Department

    class S:
        pass

    s = S()
    s.street = make_plan(UnitLevel.STREET, share=30)
    s.community = make_plan(UnitLevel.COMMUNITY, share=100)
    s.department = make_plan(UnitLevel.DEPARTMENT, share=50)
    s.dept = Department.objects.create(code="D01", name="区委办公室", secretary_name="刘主任")
    return s


@pytest.fixture
def ranked(tree, plans):
    """Three quarters of 2026 ranked: S01 (two communities) and S02 (one)."""
    tree.second_community = CommunityFactory(code="S01C02", name="文化社区", parent=tree.street)
    for quarter, bump in (("2026Q1", 0), ("2026Q2", 2), ("2026Q3", 4)):
        put_scores(tree.street, quarter, [70 + bump, 80, 90])
        put_scores(tree.other_street, quarter, [80, 80, 90])
        put_scores(tree.community, quarter, [60 + bump, 70, 80])
        put_scores(tree.second_community, quarter, [65, 70, 80])
        put_scores(tree.other_community, quarter, [90, 90, 90])
        put_scores(plans.dept, quarter, [85, 85, 85])
        take_snapshots(quarter)
    return tree


@pytest.fixture
def other_street_secretary(tree):
    return grant(UserFactory(username="sec-S02"), Role.STREET_SECRETARY, tree.other_street)


@pytest.fixture
def community_cycle(ranked, district_user):
    return services.duty_cycle_open(actor=district_user, year=YEAR, level=UnitLevel.COMMUNITY,
                                    duties="落实三会一课\n发展党员\n服务群众", criteria=CRITERIA,
                                    due_on=datetime.date(2026, 12, 20))
