"""The staff pages: scope of every page (own vs foreign), score entry and publishing, and query counts."""

import datetime

import pytest
from django.urls import reverse

from assessment.models import (
    Finding,
    FindingStatus,
    Inspection,
    InspectionPlan,
    Interview,
    Quarter,
    QuarterStatus,
    RankingRow,
    Score,
)
from assessment.ranking import take_snapshots
from tests.assessment.conftest import Q, put_scores
from tests.factories import CommunityFactory, StreetFactory

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def ranked(tree, plans):
    """Two quarters ranked: S01 with two communities, S02 with one, a department."""
    tree.second_community = CommunityFactory(code="S01C02", name="文化社区", parent=tree.street)
    for quarter, bump in (("2026Q2", 0), (Q, 5)):
        put_scores(tree.street, quarter, [70 + bump, 80, 90])
        put_scores(tree.other_street, quarter, [75, 80, 90])
        put_scores(tree.community, quarter, [60 + bump, 70, 80])
        put_scores(tree.second_community, quarter, [65, 70, 80])
        put_scores(tree.other_community, quarter, [90, 90, 90])
        put_scores(plans.dept, quarter, [85, 85, 85])
        take_snapshots(quarter)
    return tree


def _row(unit, quarter=Q):
    return RankingRow.objects.get(snapshot__quarter=quarter, org=unit)


def test_district_sees_every_level(client, district_user, ranked, plans):
    client.force_login(district_user)
    for level, names in (("street", ["经八路街道", "北林路街道"]), ("community", ["省委社区", "文化社区", "鑫苑社区"]),
                         ("department", ["区委办公室"])):
        body = client.get(reverse("assessment:ranking"), {"quarter": Q, "level": level}, **EN).content.decode()
        assert all(n in body for n in names), level
    body = client.get(reverse("assessment:ranking"), {"quarter": Q, "level": "department"}, **EN).content.decode()
    assert "区委宣传部" in body and "Units without scores" in body  # D02 listed apart


def test_street_secretary_sees_only_their_communities(client, street_secretary, ranked):
    client.force_login(street_secretary)
    response = client.get(reverse("assessment:ranking"), {"quarter": Q, "level": "community"}, **EN)
    body = response.content.decode()
    assert response.status_code == 200
    assert "省委社区" in body and "文化社区" in body and "鑫苑社区" not in body
    assert "北林路街道" not in client.get(reverse("assessment:ranking"), {"quarter": Q, "level": "street"}).content.decode()
    assert client.get(reverse("assessment:ranking"), {"level": "department"}).status_code == 404
    own, foreign = _row(ranked.community), _row(ranked.other_community)
    assert client.get(reverse("assessment:ranking-row", args=[own.pk])).status_code == 200
    assert client.get(reverse("assessment:ranking-row", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("assessment:unit", args=["org", ranked.community.pk])).status_code == 200
    assert client.get(reverse("assessment:unit", args=["org", ranked.other_community.pk])).status_code == 404
    assert client.get(reverse("assessment:unit", args=["department", 1])).status_code == 404


def test_community_secretary_sees_own_row_only(client, community_secretary, ranked):
    client.force_login(community_secretary)
    body = client.get(reverse("assessment:ranking"), {"quarter": Q}).content.decode()
    assert "省委社区" in body and "文化社区" not in body
    assert client.get(reverse("assessment:ranking"), {"level": "street"}).status_code == 404


def test_residents_get_403_and_strangers_the_sign_in(client, resident, ranked):
    url = reverse("assessment:ranking")
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/?next=/assessment/")
    client.force_login(resident)
    for name, args in (("assessment:ranking", []), ("assessment:inspections", []), ("assessment:interviews", []),
                       ("assessment:scores", [Q]), ("assessment:year", [2026])):
        assert client.get(reverse(name, args=args)).status_code == 403, name


def test_breakdown_shows_indicators_change_and_share(client, district_user, ranked, plans):
    client.force_login(district_user)
    row = _row(ranked.street)
    body = client.get(reverse("assessment:ranking-row", args=[row.pk]), **EN).content.decode()
    # 2026Q2: 70·.5+80·.3+90·.2 = 77; 2026Q3: 75 → 79.5; party building is 30% of a street's goal → 23.85.
    assert "79.50" in body and "+2.50" in body and "23.85" in body and "street-指标1" in body
    assert "+5.00" in body  # the first indicator went from 70 to 75


def test_score_entry_by_a_street_secretary(client, street_secretary, ranked, plans):
    client.force_login(street_secretary)
    Quarter.objects.filter(key=Q).update(status=QuarterStatus.OPEN)
    page = client.get(reverse("assessment:scores", args=[Q]), **EN)
    assert page.status_code == 200
    body = page.content.decode()
    assert "省委社区" in body and "鑫苑社区" not in body
    assert client.get(reverse("assessment:scores", args=[Q]), {"level": "street"}).status_code == 404
    own = reverse("assessment:score-unit", args=[Q, "org", ranked.community.pk])
    assert client.get(reverse("assessment:score-unit", args=[Q, "org", ranked.other_community.pk])).status_code == 404
    assert client.get(reverse("assessment:score-unit", args=[Q, "org", ranked.street.pk])).status_code == 403
    ind = list(plans.community.indicators.all())
    response = client.post(own, {f"i{ind[0].pk}-score": "101", f"i{ind[0].pk}-evidence": "检查"}, **EN)
    assert response.status_code == 400 and "is scored out of 100.00" in response.content.decode()
    response = client.post(own, {f"i{ind[0].pk}-score": "88", f"i{ind[0].pk}-evidence": "入户核查",
                                 f"i{ind[1].pk}-score": "77", f"i{ind[1].pk}-evidence": "台账"}, **EN)
    assert response.status_code == 302
    assert Score.objects.get(org=ranked.community, quarter=Q, indicator=ind[0]).score == 88


def test_a_published_quarter_refuses_scores_on_the_page(client, district_user, ranked, plans):
    client.force_login(district_user)
    Quarter.objects.update_or_create(key="2026Q4", defaults={"status": QuarterStatus.PUBLISHED})
    ind = plans.street.indicators.first()
    url = reverse("assessment:score-unit", args=["2026Q4", "org", ranked.street.pk])
    response = client.post(url, {f"i{ind.pk}-score": "50", f"i{ind.pk}-evidence": "x"}, **EN)
    assert response.status_code == 400 and "published and locked" in response.content.decode()
    assert client.get(reverse("assessment:scores", args=["2026Q9"])).status_code == 404


def test_publishing_from_the_page(client, district_user, street_secretary, ranked, django_capture_on_commit_callbacks):
    client.force_login(street_secretary)
    assert client.post(reverse("assessment:quarter-action", args=["2026Q4", "publish"])).status_code == 403
    client.force_login(district_user)
    response = client.post(reverse("assessment:quarter-action", args=["2026Q4", "publish"]), {"level": "street"},
                           follow=True, **EN)
    assert "has not ended yet" in response.content.decode()  # the current quarter
    assert not Quarter.objects.filter(key="2026Q4", status=QuarterStatus.PUBLISHED).exists()
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("assessment:quarter-action", args=["2026Q3", "publish"]),
                               {"level": "street", "exception_reason": "新建社区本季度不参评"})
    assert response.status_code == 302
    assert Quarter.objects.get(key="2026Q3").status == QuarterStatus.PUBLISHED
    response = client.post(reverse("assessment:quarter-action", args=["2026Q3", "publish"]), follow=True, **EN)
    assert "already published" in response.content.decode()


@pytest.fixture
def inspected(tree, inspector):
    InspectionPlan.objects.create(month="2026-11", org=tree.community, inspector=inspector)
    hidden = Inspection.objects.create(month="2026-11", org=tree.other_community, inspector=inspector,
                                       visited_on=datetime.date(2026, 11, 3), summary="未公开的暗访")
    shown = Inspection.objects.create(month="2026-11", org=tree.community, inspector=inspector,
                                      visited_on=datetime.date(2026, 11, 2), summary="已通报的暗访",
                                      published_at=datetime.datetime(2026, 11, 5, tzinfo=datetime.UTC))
    own = Finding.objects.create(inspection=shown, org=tree.community, description="党员活动室挪作他用",
                                 found_on=shown.visited_on, deadline=datetime.date(2026, 11, 10))
    foreign = Finding.objects.create(inspection=hidden, org=tree.other_community, description="组织生活不规范",
                                     found_on=hidden.visited_on, deadline=datetime.date(2026, 12, 10))
    return own, foreign


def test_inspection_board_scope(client, district_user, community_secretary, inspected):
    own, foreign = inspected
    client.force_login(district_user)
    body = client.get(reverse("assessment:inspections"), {"month": "2026-11"}, **EN).content.decode()
    assert "Monthly inspection plan" in body and "组织生活不规范" in body and "党员活动室挪作他用" in body
    client.force_login(community_secretary)
    body = client.get(reverse("assessment:inspections"), {"month": "2026-11"}, **EN).content.decode()
    assert "Monthly inspection plan" not in body  # unannounced
    assert "党员活动室挪作他用" in body and "组织生活不规范" not in body
    assert client.get(reverse("assessment:finding", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("assessment:inspections"), {"month": "2026-13"}).status_code == 404


def test_follow_up_the_unit_reports_the_inspector_closes(client, community_secretary, inspector, inspected):
    own, _ = inspected
    url = reverse("assessment:finding", args=[own.pk])
    client.force_login(community_secretary)
    assert client.post(url, {"note": "已恢复活动室", "status": "closed"}).status_code == 403
    assert client.post(url, {"note": "", "status": "rectified"}).status_code == 400
    assert client.post(url, {"note": "已恢复活动室", "status": "rectified"}).status_code == 302
    client.force_login(inspector)
    assert client.post(url, {"note": "复查属实", "status": "closed"}).status_code == 302
    own.refresh_from_db()
    assert own.status == FindingStatus.CLOSED and own.closed_on is not None and own.followups.count() == 2


def test_interviews_and_year_pages_are_scoped(client, street_secretary, district_user, ranked):
    Interview.objects.create(org=ranked.community, interviewee="张书记", reason="ranking", quarter=Q)
    Interview.objects.create(org=ranked.other_community, interviewee="王书记", reason="ranking", quarter=Q)
    client.force_login(street_secretary)
    body = client.get(reverse("assessment:interviews")).content.decode()
    assert "张书记" in body and "王书记" not in body
    body = client.get(reverse("assessment:year", args=[2026]), {"level": "community"}).content.decode()
    assert "省委社区" in body and "鑫苑社区" not in body
    client.force_login(district_user)
    body = client.get(reverse("assessment:year", args=[2026]), {"level": "community"}).content.decode()
    assert "鑫苑社区" in body


def test_unpublished_findings_count_only_for_those_who_see_them(client, street_secretary, district_user, inspector,
                                                             ranked):
    """An unannounced inspection stays unknown to the unit until published: not even its findings' number shows
    in the year's evaluation, nor an interview about one of them."""
    hidden = Inspection.objects.create(month="2026-11", org=ranked.community, inspector=inspector,
                                       visited_on=datetime.date(2026, 11, 3), summary="未公开的暗访")
    finding = Finding.objects.create(inspection=hidden, org=ranked.community, description="未通报的问题",
                                     found_on=hidden.visited_on, deadline=datetime.date(2026, 12, 10),
                                     escalated_on=datetime.date(2026, 12, 1))
    Interview.objects.create(org=ranked.community, interviewee="未通报约谈", reason="overdue", finding=finding)
    url = reverse("assessment:year", args=[2026])

    def community_row(user):
        from assessment.evaluation import year_evaluation

        return next(u for u in year_evaluation(user=user, year=2026, level="community")
                    if u["org_id"] == ranked.community.pk)

    assert (community_row(district_user)["findings"], community_row(district_user)["escalated"]) == (1, 1)
    mine = community_row(street_secretary)
    assert (mine["findings"], mine["escalated"], mine["deduction"]) == (0, 0, 0)
    client.force_login(street_secretary)
    assert client.get(url, {"level": "community"}).status_code == 200
    assert "未通报约谈" not in client.get(reverse("assessment:interviews")).content.decode()
    hidden.published_at = datetime.datetime(2026, 12, 2, tzinfo=datetime.UTC)
    hidden.save()
    assert community_row(street_secretary)["findings"] == 1
    assert "未通报约谈" in client.get(reverse("assessment:interviews")).content.decode()


# --- query counts: constant whatever the number of rows -------------------------------------------------


def _more(tree, start, n):
    for i in range(start, start + n):
        street = StreetFactory(code=f"M{i:02d}")
        put_scores(street, "2026Q1", [50 + i, 60, 70])
        put_scores(CommunityFactory(code=f"M{i:02d}C01", parent=street), "2026Q1", [50 + i, 60, 70])
        finding_visit = Inspection.objects.create(month="2026-11", org=street, inspector=tree.inspector,
                                                  visited_on=datetime.date(2026, 11, 1), summary="s",
                                                  published_at=datetime.datetime(2026, 11, 2, tzinfo=datetime.UTC))
        Finding.objects.create(inspection=finding_visit, org=street, description="d", found_on=finding_visit.visited_on,
                               deadline=datetime.date(2026, 12, 1))
        InspectionPlan.objects.create(month="2026-11", org=street, inspector=tree.inspector)
        Interview.objects.create(org=street, interviewee="x", reason="duty")


# Each count includes the second factor's device (django-otp checks it on every staff request).
PAGES = [
    ("ranking street", lambda t: (reverse("assessment:ranking"), {"quarter": "2026Q1", "level": "street"}), 8),
    ("ranking community", lambda t: (reverse("assessment:ranking"), {"quarter": "2026Q1", "level": "community"}), 8),
    ("scores", lambda t: (reverse("assessment:scores", args=["2026Q1"]), {"level": "street"}), 17),
    ("inspections", lambda t: (reverse("assessment:inspections"), {"month": "2026-11"}), 8),
    ("interviews", lambda t: (reverse("assessment:interviews"), {}), 7),
    ("year", lambda t: (reverse("assessment:year", args=[2026]), {"level": "street"}), 6),
    ("unit history", lambda t: (reverse("assessment:unit", args=["org", t.street.pk]), {}), 6),
]


@pytest.mark.parametrize("name, target, queries", PAGES, ids=[p[0] for p in PAGES])
def test_list_pages_run_a_fixed_number_of_queries(client, district_user, tree, plans, inspector, name, target,
                                                  queries, django_assert_num_queries):
    tree.inspector = inspector
    client.force_login(district_user)
    url, params = target(tree)
    counts = []
    from tests.assessment.test_ranking import _reset_snapshots

    for start, n in ((0, 1), (1, 5)):
        _reset_snapshots()
        _more(tree, start, n)
        take_snapshots("2026Q1")
        client.get(url, params)  # warm the session
        with django_assert_num_queries(queries) as ctx:
            assert client.get(url, params).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
