"""An honest dashboard: the current year by default, each user's own rank and scope, a colour for every slice."""

import datetime

import pytest
from django.utils import timezone

from dashboard import figures, optional, services
from dashboard.registry import ComputeContext
from dashboard.views import View
from tests.community import records as r

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _stats(response):
    return {(card.key, str(label)): (value, note) for card in response.context["cards"]
            for label, value, note in card.stats}


def test_the_page_opens_on_the_current_year_with_its_records(client, tree, district_user):
    today = timezone.localdate()
    r.meeting(tree.street, held_on=today, raised=2, resolved=1)
    r.meeting(tree.street, held_on=datetime.date(2017, 3, 1), raised=1, resolved=1)
    client.force_login(district_user)
    response = client.get("/dashboard/", **EN)
    assert response.context["year"] == today.year
    assert _stats(response)[("meetings", "joint meetings")][0] == "1"
    assert str(today.year) in {str(y) for y in response.context["years"]}


def test_the_title_names_the_scope(client, tree, district_user, street_secretary, community_secretary):
    for user, title in ((district_user, "District dashboard"), (street_secretary, "经八路街道 dashboard"),
                        (community_secretary, "省委社区 dashboard")):
        client.force_login(user)
        response = client.get("/dashboard/", **EN)
        assert response.context["title"] == title
        assert f"<title>{title} |" in response.content.decode()
    client.force_login(community_secretary)
    body = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "省委社区数据看板" in body and "全区数据看板" not in body


def _community_ranking(tree, extra):
    from assessment.models import RankingRow, RankingSnapshot

    snapshot = RankingSnapshot.objects.create(quarter="2026Q3", level="community", ranked_count=3)
    rows = [(1, extra, 91.5, False), (2, tree.other_community, 80, False), (3, tree.community, 69.6, True)]
    for rank, node, total, interview in rows:
        RankingRow.objects.create(snapshot=snapshot, org=node, unit_code=node.code, unit_name=node.name, rank=rank,
                                  total=total, interview_suggested=interview)


def test_a_community_secretary_sees_their_own_place_not_the_first(client, tree, community_secretary):
    from tests.factories import CommunityFactory

    _community_ranking(tree, CommunityFactory(code="S02C02", name="龙子湖社区", parent=tree.other_street))
    data = optional.compute_ranking(ComputeContext(scope=services.paths_scope([tree.community.path])))
    assert data["ranked"] == 3 and data["own"] == [["省委社区", 3, 69.6, True]]
    client.force_login(community_secretary)
    stats = _stats(client.get("/dashboard/", **EN))
    assert stats[("ranking", "省委社区: place")] == ("No. 3 of 3", "score 69.6，interview suggested")
    assert ("ranking", "first place") not in stats
    body = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "第3名/3" in body and "龙子湖社区" not in body and "第一名" not in body


def test_the_district_still_sees_who_leads(tree):
    from tests.factories import CommunityFactory

    _community_ranking(tree, CommunityFactory(code="S02C02", name="龙子湖社区", parent=tree.other_street))
    data = optional.compute_ranking(ComputeContext(scope=services.district_scope()))
    assert "own" not in data  # streets first for the district; no snapshot of streets: none
    assert data == {"quarter": None}


def _pie_items(chart):
    return [(series["name"], item) for series in chart["series"] if series["type"] == "pie" for item in series["data"]]


@pytest.mark.parametrize("card", ["members", "stations"])
def test_every_slice_has_its_own_visible_colour(card):
    if card == "members":
        data = {"rows": [["direct", "full", 5], ["direct", "probationary", 2], ["mobile", "full", 1]], "total": 8}
        chart = figures.present_members(data, View(year=2026)).chart
    else:
        chart = figures.present_stations({"stations": {}, "red_homes": 0, "instructors": 0, "full_time": 0},
                                         View(year=2026)).chart
    items = _pie_items(chart)
    colours = [item["itemStyle"]["color"] for _series, item in items]
    assert all(c.startswith("#") and c.lower() not in ("#fff", "#ffffff") for c in colours)
    assert len(set(colours)) == len(colours)  # the legend tells every slice apart, the 预备党员 one included
    assert chart["legend"]
    if card == "members":
        assert "Probationary member" in {item["name"] for _s, item in items}


def test_a_street_secretary_sees_the_places_of_their_communities(tree):
    from tests.factories import CommunityFactory

    _community_ranking(tree, CommunityFactory(code="S02C02", name="龙子湖社区", parent=tree.other_street))
    data = optional.compute_ranking(ComputeContext(scope=services.paths_scope([tree.street.path])))
    assert data["own"] == [["省委社区", 3, 69.6, True]]  # no street ranking yet: their community's place
    card = optional.present_ranking(data, View(year=2026))
    assert ("省委社区: place", "No. 3 of 3") in {(str(label), value) for label, value, _n in card.stats}
