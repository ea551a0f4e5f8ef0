"""The 智库's matches count among the joint-meeting figure's resource-sharing agreements, per scope and quarter:
agreed and done ones by the quarter they were agreed in, proposed and declined ones not at all."""

import datetime

import pytest

from community.models import JointMeeting, ResidentUnit
from dashboard import services
from dashboard.figures import present_meetings
from dashboard.views import View
from participation.models import Match, MatchStatus, Need, Resource

pytestmark = pytest.mark.django_db


def _match(need_node, unit, status, agreed_on, title):
    need = Need.objects.create(node=need_node, kind="expert", title=title, posted_on=datetime.date(2026, 1, 2))
    resource = Resource.objects.create(node=unit.node, unit=unit, kind="expert", title=f"{title}专家")
    done = status == MatchStatus.DONE
    return Match.objects.create(need=need, resource=resource, distance=1, status=status,
                                proposed_on=datetime.date(2026, 1, 2), agreed_on=agreed_on,
                                done_on=agreed_on if done else None, outcome="讲座两场" if done else "")


def test_matches_count_as_agreements_per_scope(tree):
    unit = ResidentUnit.objects.create(node=tree.grid, name="省人民医院")
    JointMeeting.objects.create(node=tree.community, held_on=datetime.date(2026, 2, 10), topic="联席会",
                                agreements_signed=2)
    _match(tree.community, unit, MatchStatus.AGREED, datetime.date(2026, 2, 20), "健康讲座")
    _match(tree.community, unit, MatchStatus.DONE, datetime.date(2026, 5, 3), "法律咨询")
    _match(tree.community, unit, MatchStatus.PROPOSED, None, "只是提议")
    _match(tree.community, unit, MatchStatus.DECLINED, None, "已拒绝")
    _match(tree.other_community, unit, MatchStatus.AGREED, datetime.date(2026, 2, 21), "外街道")

    district = services.compute(services.district_scope())["figures"]["meetings"]
    street = services.compute(services.paths_scope([tree.street.path]))["figures"]["meetings"]
    other = services.compute(services.paths_scope([tree.other_street.path]))["figures"]["meetings"]
    assert district["matches_by_quarter"] == [[2026, 1, 2, 0], [2026, 2, 1, 1]]
    assert street["matches_by_quarter"] == [[2026, 1, 1, 0], [2026, 2, 1, 1]]
    assert other["matches_by_quarter"] == [[2026, 1, 1, 0]]
    assert 2026 in other["years"]

    card = present_meetings(street, View(year=2026))
    stats = {str(label): (value, str(note)) for label, value, note in card.stats}
    assert stats["resource-sharing agreements"][0] == "4"  # 2 signed at the meeting + 2 matches agreed
    assert "2" in stats["resource-sharing agreements"][1] and "1" in stats["resource-sharing agreements"][1]
    series = {s["name"]: s["data"] for s in card.chart["series"]}
    assert series["resource-sharing agreements"] == [3, 1, 0, 0]


def test_a_payload_computed_before_the_matches_still_presents(tree):
    old = {"by_quarter": [[2026, 1, 1, 0, 0, 1, 0]], "pairings": 0, "units_paired": 0, "years": [2026]}
    card = present_meetings(old, View(year=2026))
    assert dict((str(label), value) for label, value, _note in card.stats)["resource-sharing agreements"] == "1"
