"""The monthly dues review page (/members/dues/review/): the months waiting for the user's review, the community's
first and then the street's, scoped, in a fixed number of queries, answered in Chinese."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.scopes import resolve_scope
from members.dues.models import DuesReview
from members.dues.selectors import _months_back, dues_months_to_review
from members.dues.services import dues_record, dues_review
from tests.factories import CommunityFactory, GridFactory, MemberFactory, Role, UserFactory, grant
from tests.members.helpers import district_actor

URL = "/members/dues/review/"
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def _last_month():
    return _months_back(timezone.localdate(), 2)


def _dues(member, month, paid=0, base=4000):
    return dues_record(actor=district_actor(), member=member, month=month, kind="employed", income_base=base,
                       amount_paid=paid, paid_on=month if paid else None)


def _rows(user):
    return [(r.community_name, r.month, r.level) for r in dues_months_to_review(user=user,
                                                                               today=timezone.localdate())]


@pytest.fixture
def recorded(tree):
    """Last month's dues in both streets: 王明 paid 40 of 40, a second member of 省委社区 (in a building group)
    paid nothing; 李红 (北林路街道) paid 40."""
    month = _last_month()
    _dues(tree.member, month, paid=40)
    _dues(MemberFactory(org=tree.building, name="赵丽"), month)
    _dues(tree.other_member, month, paid=40)
    return month


def test_the_community_reviews_first_then_the_street(client, tree, recorded, community_secretary,
                                                     street_secretary):
    month = recorded
    assert _rows(community_secretary) == [("省委社区", month, "community")]
    assert _rows(street_secretary) == []  # the community has not reviewed yet

    client.force_login(community_secretary)
    page = client.get(URL, **ZH)
    html = page.content.decode()
    assert page.status_code == 200
    assert f'id="dues-{tree.community.pk}-{month:%Y-%m}"' in html and "省委社区" in html
    assert "鑫苑社区" not in html
    answer = client.post(URL, {"community": tree.community.pk, "month": f"{month:%Y-%m}", "opinion": "按时足额"},
                         follow=True, **ZH)
    text = answer.content.decode()
    assert f"已审核 省委社区 {month.year}年{month.month}月 的党费（社区审核）：2人，应缴 ¥80.00，实缴 ¥40.00" in text
    review = DuesReview.objects.get()
    assert (review.level, review.members, review.opinion, review.reviewed_by) == (
        "community", 2, "按时足额", community_secretary)
    assert _rows(community_secretary) == []

    assert _rows(street_secretary) == [("省委社区", month, "street")]
    client.force_login(street_secretary)
    answer = client.post(URL, {"community": tree.community.pk, "month": f"{month:%Y-%m}"}, follow=True, **ZH)
    assert "（街道审核）" in answer.content.decode()
    assert list(DuesReview.objects.order_by("pk").values_list("level", flat=True)) == ["community", "street"]
    assert _rows(street_secretary) == [] and _rows(community_secretary) == []
    assert "没有待您审核的党费" in client.get(URL, **ZH).content.decode()


def test_a_foreign_community_never_appears_and_its_post_is_refused(client, tree, recorded, community_secretary,
                                                                   street_secretary):
    other_secretary = grant(UserFactory(username="sec-S02C01"), Role.COMMUNITY_SECRETARY, tree.other_community)
    dues_review(actor=other_secretary, community=tree.other_community, month=recorded)
    for user in (community_secretary, street_secretary):
        assert all(name != "鑫苑社区" for name, _m, _l in _rows(user))
        client.force_login(user)
        assert "鑫苑社区" not in client.get(URL).content.decode()
        answer = client.post(URL, {"community": tree.other_community.pk, "month": f"{recorded:%Y-%m}"})
        assert answer.status_code == 404
    assert DuesReview.objects.count() == 1  # only the other community's own review
    # a street's or a grid's id is not a community either
    client.force_login(street_secretary)
    assert client.post(URL, {"community": tree.street.pk, "month": f"{recorded:%Y-%m}"}).status_code == 404
    assert DuesReview.objects.count() == 1


def test_refusals_are_told_in_chinese_and_nothing_is_written(client, tree, recorded, community_secretary):
    client.force_login(community_secretary)
    answer = client.post(URL, {"community": tree.community.pk, "month": "2026-13"}, **ZH)
    assert answer.status_code == 400 and "不是有效的月份" in answer.content.decode()
    answer = client.post(URL, {"community": tree.community.pk, "month": f"{recorded:%Y-%m}", "opinion": "长" * 201},
                         **ZH)
    assert answer.status_code == 400 and "200" in answer.content.decode()
    empty = _months_back(timezone.localdate(), 5)
    answer = client.post(URL, {"community": tree.community.pk, "month": f"{empty:%Y-%m}"}, follow=True, **ZH)
    assert "本月尚无党费记录" in answer.content.decode()
    assert DuesReview.objects.count() == 0
    dues_review(actor=community_secretary, community=tree.community, month=recorded)
    answer = client.post(URL, {"community": tree.community.pk, "month": f"{recorded:%Y-%m}"}, follow=True, **ZH)
    assert "下一步由街道审核" in answer.content.decode() and DuesReview.objects.count() == 1


def test_only_the_last_twelve_months_and_not_for_inspectors_or_grid_leaders(client, tree, community_secretary):
    today = timezone.localdate()
    _dues(tree.member, _months_back(today, 13), paid=40)
    _dues(tree.member, _months_back(today, 12), paid=40)
    assert [m for _n, m, _l in _rows(community_secretary)] == [_months_back(today, 12)]
    leader = grant(UserFactory(username="leader-G01"), Role.GRID_LEADER, tree.grid)
    assert _rows(leader) == []  # the grid's members are reviewed by their community
    inspector = grant(UserFactory(username="inspector-01"), Role.INSPECTOR)
    client.force_login(inspector)
    assert client.get(URL).status_code == 403


def test_the_selector_and_the_page_cost_a_fixed_number_of_queries(client, tree, street_secretary,
                                                                   django_assert_num_queries):
    today = timezone.localdate()

    def add_community(n):
        community = CommunityFactory(code=f"S01C9{n}", name=f"新社区{n}", parent=tree.street)
        grid = GridFactory(code=f"S01C9{n}G01", name="第一网格", parent=community)
        for back in (2, 3):
            month = _months_back(today, back)
            _dues(MemberFactory(org=grid, name=f"党员{n}"), month, paid=10)
            DuesReview.objects.create(org=community, month=month, level="community", members=1, due=20, paid=10,
                                      reviewed_by=street_secretary)

    add_community(1)
    resolve_scope(street_secretary)
    with django_assert_num_queries(2):
        assert len(dues_months_to_review(user=street_secretary, today=today)) == 2
    client.force_login(street_secretary)
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    for n in range(2, 6):
        add_community(n)
    with CaptureQueriesContext(connection) as many:
        page = client.get(URL)
    assert page.content.decode().count('class="dues-form"') == 10
    assert len(many) == len(few) <= 8, [q["sql"] for q in many]
