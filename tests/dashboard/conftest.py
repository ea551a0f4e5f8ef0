import datetime

import pytest

from community.models import Coverage, OrgKind, StationKind, VisitOutcome
from tests.community import records as r
from tests.factories import MemberFactory


@pytest.fixture
def filled(tree):
    """Records on both streets of the `tree` fixture, two years of meetings and visits."""
    for side, street, community, grid in [("own", tree.street, tree.community, tree.grid),
                                          ("foreign", tree.other_street, tree.other_community, tree.other_grid)]:
        village = r.village(street)
        extra = 2 if side == "own" else 1
        for i in range(extra):
            r.org(community, kind=OrgKind.ENTERPRISE, members=4, coverage=Coverage.OWN)
            r.org(community, kind=OrgKind.ENTERPRISE, members=3, coverage=Coverage.NONE)
            r.org(grid, kind=OrgKind.SOCIAL, members=1, coverage=Coverage.JOINT)
            host = r.org(grid, kind=OrgKind.ENTERPRISE, members=5, coverage=Coverage.OWN)
            r.station(community, kind=StationKind.NONPUBLIC, host=host, covered=11)
            r.station(street, kind=StationKind.BUILDING, covered=7)
            r.instructor(community, full_time=bool(i))
            r.meeting(street, held_on=datetime.date(2017, 2 + 3 * i, 1), raised=4, resolved=3, agreements=1,
                      services=2)
            r.meeting(community, held_on=datetime.date(2016, 6, 1), raised=1, resolved=1)
            r.issue(community, resolved=True)
            r.issue(grid)
            r.visit(village, outcome=VisitOutcome.SOLVED)
            r.visit(village, outcome=VisitOutcome.TRANSFERRED, completed=True)
            r.visit(village, outcome=VisitOutcome.TRANSFERRED, visited_on=datetime.date(2016, 3, 3))
            r.pairing(community)
        r.red_home(street)
        r.rating(r.building(grid), stars=4 if side == "own" else 2)
        r.weak_flag(village, closed=True)
        r.weak_flag(grid)
        MemberFactory(org=community, category="mobile", status="probationary", full_member_on=None)
    return tree
