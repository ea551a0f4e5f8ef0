"""Every assessment page for every role, on an own (S01C01) and a foreign (S02C01) unit, read and write.

The routes' rules are in tests/assessment/matrix_rules.py (the project-wide matrix checks that each has one).
"""

import pytest

from assessment.models import Department, Indicator, Interview, Plan, RankingRow, Score
from assessment.ranking import take_snapshots
from tests.factories import Role, UserFactory, grant

pytestmark = pytest.mark.django_db

ROLES = ["district", "street", "community", "grid_leader", "inspector", "resident", "anonymous"]

# role → status of: ranking, inspection board, interviews, year, score list; own and foreign ranking row;
# own and foreign interview; an (empty) score POST on an own and a foreign unit (302: nothing to save, back
# to the form); closing the quarter (district only).
EXPECTED = {
    #              rank insp intv year scor own  forn iv-o iv-f post-o post-f close
    "district":    (200, 200, 200, 200, 200, 200, 200, 200, 200, 302, 302, 302),
    "inspector":   (200, 200, 200, 200, 403, 200, 200, 200, 200, 403, 403, 403),
    "street":      (200, 200, 200, 200, 200, 200, 404, 200, 404, 302, 404, 403),
    "community":   (200, 200, 200, 200, 403, 200, 404, 200, 404, 403, 404, 403),
    "grid_leader": (403, 200, 200, 403, 403, 404, 404, 404, 404, 404, 404, 403),
    "resident":    (403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    "anonymous":   (302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
}


@pytest.fixture
def users(tree):
    return {
        "district": grant(UserFactory(username="m-district"), Role.DISTRICT_STAFF),
        "street": grant(UserFactory(username="m-street"), Role.STREET_SECRETARY, tree.street),
        "community": grant(UserFactory(username="m-community"), Role.COMMUNITY_SECRETARY, tree.community),
        "grid_leader": grant(UserFactory(username="m-grid"), Role.GRID_LEADER, tree.grid),
        "inspector": grant(UserFactory(username="m-inspector"), Role.INSPECTOR),
        "resident": grant(UserFactory(username="m-resident", is_staff=False), Role.RESIDENT),
        "anonymous": None,
    }


@pytest.mark.parametrize("role", ROLES)
def test_assessment_pages_matrix(client, tree, users, role, django_capture_on_commit_callbacks):
    plan = Plan.objects.create(year=2026, level="community", name="p", party_building_share=100)
    ind = Indicator.objects.create(plan=plan, name="i", max_score=100, weight=100)
    Department.objects.create(code="D1", name="d")
    for unit in (tree.community, tree.other_community):
        Score.objects.create(quarter="2026Q3", level="community", org=unit, indicator=ind, score=50, max_score=100,
                             weight=100, evidence="e")
    take_snapshots("2026Q3")
    own = RankingRow.objects.get(org=tree.community).pk
    foreign = RankingRow.objects.get(org=tree.other_community).pk
    own_iv = Interview.objects.create(org=tree.community, interviewee="a", reason="duty").pk
    foreign_iv = Interview.objects.create(org=tree.other_community, interviewee="b", reason="duty").pk
    if users[role] is not None:
        client.force_login(users[role])
    form = "/assessment/scores/2026Q3/org/{}/"
    got = (
        client.get("/assessment/", {"level": "community"}).status_code,
        client.get("/assessment/inspections/").status_code,
        client.get("/assessment/interviews/").status_code,
        client.get("/assessment/year/2026/").status_code,
        client.get("/assessment/scores/2026Q3/", {"level": "community"}).status_code,
        client.get(f"/assessment/ranking/{own}/").status_code,
        client.get(f"/assessment/ranking/{foreign}/").status_code,
        client.get(f"/assessment/interviews/{own_iv}/").status_code,
        client.get(f"/assessment/interviews/{foreign_iv}/").status_code,
        client.post(form.format(tree.community.pk), {}).status_code,
        client.post(form.format(tree.other_community.pk), {}).status_code,
    )
    with django_capture_on_commit_callbacks(execute=False):
        got += (client.post("/assessment/quarters/2026Q3/close/").status_code,)
    assert got == EXPECTED[role]
