"""Every list selector is cut to the user's scope and runs one query (plus the scope's, once per request)."""

import pytest

from community import selectors
from community.models import Coverage
from tests.community import records as r

pytestmark = pytest.mark.django_db

LISTS = ["instructor_list", "two_new_org_list", "station_list", "red_home_list", "unit_list", "pairing_list",
         "meeting_list", "issue_list", "visit_list", "rating_list", "weak_flag_list"]


@pytest.fixture
def records(tree):
    own_village, foreign_village = r.village(tree.street), r.village(tree.other_street)
    made = {"own": [], "foreign": []}
    for side, street, community, grid, village in [
        ("own", tree.street, tree.community, tree.grid, own_village),
        ("foreign", tree.other_street, tree.other_community, tree.other_grid, foreign_village),
    ]:
        ins = r.instructor(community)
        host = r.org(community, members=3, coverage=Coverage.OWN)
        made[side] += [
            ins, host, r.station(community, kind="nonpublic", host=host), r.red_home(street),
            r.pairing(community), r.meeting(street), r.issue(grid), r.visit(village),
            r.rating(r.building(grid)), r.weak_flag(village),
        ]
        made[side].append(made[side][4].unit)
    return made


@pytest.mark.parametrize("name", LISTS)
def test_lists_are_scoped_and_one_query(records, district_user, street_secretary, community_secretary, name,
                                        django_assert_num_queries):
    selector = getattr(selectors, name)
    everything = list(selector(user=district_user))
    street = list(selector(user=street_secretary))
    assert everything and street
    assert all(obj in records["own"] for obj in street)
    assert {type(o) for o in everything} == {type(street[0])}
    assert len(everything) == 2 * len(street)
    mine = selector(user=community_secretary)
    assert all(obj.node.path.startswith("/S01/S01C01/") for obj in mine)
    street_secretary.__dict__.pop("_jinshui_scope", None)
    with django_assert_num_queries(2):  # the scope, then the list with its relations joined
        rows = list(selector(user=street_secretary))
        [(row.node.name, getattr(row, "unit", None), getattr(row, "host", None)) for row in rows]


def test_write_lists_leave_out_what_the_inspector_may_only_read(records):
    from tests.factories import Role, UserFactory, grant

    inspector = grant(UserFactory(username="insp"), Role.INSPECTOR)
    assert selectors.issue_list(user=inspector).count() == 2
    assert selectors.issue_list(user=inspector, write=True).count() == 0


def test_coverage_by_unit_is_two_queries(records, district_user, django_assert_num_queries):
    selectors.coverage_by_unit(user=district_user)  # the scope is read once and cached on the user
    with django_assert_num_queries(2):  # the units, and one grouped pass over the organizations
        rows = selectors.coverage_by_unit(user=district_user)
    assert [row["code"] for row in rows] == ["S01", "S02"]
    assert rows[0]["enterprises"] == 1 and rows[0]["enterprise_rate"] == 100.0
