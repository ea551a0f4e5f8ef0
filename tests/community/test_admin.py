"""The admin pages: scoped lists with a fixed number of queries, foreign records 404, saves through services."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community.models import Coverage, IssueStage, ResidentIssue
from tests.community import records as r
from tests.factories import StreetFactory

pytestmark = pytest.mark.django_db

MODELS = ["instructor", "twoneworg", "servicestation", "redhome", "residentunit", "pairing", "jointmeeting",
          "residentissue", "villagevisit", "starrating", "weakorgflag"]


def _fill(tree, start, times):
    village = r.village(tree.street)
    for i in range(start, start + times):
        ins = r.instructor(tree.community)
        host = r.org(tree.community, members=4, coverage=Coverage.OWN)
        r.org(tree.grid, members=3, coverage=Coverage.INSTRUCTOR, instructor=ins)
        r.station(tree.community, kind="nonpublic", host=host)
        unit = r.unit(tree.community)
        r.pairing(tree.community, unit)
        r.meeting(tree.community)
        r.issue(tree.community, resolved=bool(i % 2))
        r.visit(village, outcome="transferred", completed=True)
        group = r.building(tree.grid, f"S01C01G01B{i + 20}")
        r.rating(group)
        r.weak_flag(group, closed=True)
        r.red_home(StreetFactory(code=f"S{i + 20}"))


@pytest.mark.parametrize("model", MODELS)
def test_list_pages_run_a_fixed_number_of_queries(client, tree, district_user, model):
    client.force_login(district_user)
    url = reverse(f"admin:community_{model}_changelist")
    client.get(url)
    _fill(tree, 0, 1)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _fill(tree, 1, 6)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small) <= 10, [q["sql"] for q in large.captured_queries]


def test_street_secretary_sees_only_their_street(client, tree, street_secretary):
    own_home, foreign_home = r.red_home(tree.street), r.red_home(tree.other_street)
    own_meeting, foreign_meeting = r.meeting(tree.street), r.meeting(tree.other_street)
    own_visit, foreign_visit = r.visit(r.village(tree.street)), r.visit(r.village(tree.other_street))
    client.force_login(street_secretary)
    for model, own, foreign in [("redhome", own_home, foreign_home), ("jointmeeting", own_meeting, foreign_meeting),
                                ("villagevisit", own_visit, foreign_visit)]:
        body = client.get(reverse(f"admin:community_{model}_changelist")).content.decode()
        assert f"/{own.pk}/change/" in body and f"/{foreign.pk}/change/" not in body
        assert client.get(reverse(f"admin:community_{model}_change", args=[own.pk])).status_code == 200
        assert client.get(reverse(f"admin:community_{model}_change", args=[foreign.pk])).status_code == 404
        assert client.post(reverse(f"admin:community_{model}_delete", args=[foreign.pk]), {"post": "yes"}
                           ).status_code == 404
    assert "北林路街道" not in client.get(reverse("admin:community_jointmeeting_changelist")).content.decode()


def test_community_secretary_cannot_touch_the_street_record(client, tree, community_secretary):
    meeting = r.meeting(tree.street)
    client.force_login(community_secretary)
    assert client.get(reverse("admin:community_jointmeeting_change", args=[meeting.pk])).status_code == 404
    assert client.get(reverse("admin:community_redhome_add")).status_code == 403


def test_secretary_adds_through_the_admin_within_their_area(client, tree, community_secretary):
    client.force_login(community_secretary)
    url = reverse("admin:community_residentissue_add")
    data = {"title": "楼道堆物清理", "category": "environment", "raised_on": "2026-03-01", "node": tree.grid.pk,
            "resolution": ""}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    issue = ResidentIssue.objects.get(title="楼道堆物清理")
    assert issue.node == tree.grid and issue.stage == IssueStage.SOLICITED
    response = client.post(url, {**data, "title": "外区", "node": tree.other_grid.pk})
    assert response.status_code == 200 and not ResidentIssue.objects.filter(title="外区").exists()
    # A meeting belongs to a street or community: a grid is refused with a form error, not a crash.
    response = client.post(reverse("admin:community_jointmeeting_add"), {
        "node": tree.grid.pk, "held_on": "2026-03-01", "topic": "x", "units_attending": 1, "problems_raised": 1,
        "problems_resolved": 1, "agreements_signed": 0, "joint_services": 0,
    })
    assert response.status_code == 200 and "errornote" in response.content.decode()


def test_rule_flag_is_visible_and_filterable(client, tree, district_user):
    broken = r.org(tree.community, members=4, coverage=Coverage.JOINT, name="应建未建公司")
    r.org(tree.community, members=4, coverage=Coverage.OWN, name="已建公司")
    client.force_login(district_user)
    url = reverse("admin:community_twoneworg_changelist")
    body = client.get(url, {"rule_broken": "1"}).content.decode()
    assert broken.name in body and "已建公司" not in body
    body = client.get(url).content.decode()
    assert 'alt="False"' in body and 'alt="True"' in body


def test_issue_action_moves_issues_on(client, tree, district_user):
    issue = r.issue(tree.community)
    client.force_login(district_user)
    client.post(reverse("admin:community_residentissue_changelist"),
                {"action": "advance", "_selected_action": [issue.pk]})
    issue.refresh_from_db()
    assert issue.stage == IssueStage.PROPOSED
