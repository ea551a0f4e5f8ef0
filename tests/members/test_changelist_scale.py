"""The member list at province scale: the sidebar searches the tree instead of listing every community, and
the page count is exact up to EXACT_UP_TO rows and an estimate above (core.pagination)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import pagination
from grids import admin_filters
from members.models import Member
from tests.factories import CommunityFactory, MemberFactory

URL = reverse("admin:members_member_changelist")


@pytest.fixture
def many_communities(tree):
    names = [f"第{n:02d}社区" for n in range(admin_filters.SIDEBAR_LIMIT + 5)]
    return [CommunityFactory(code=f"S01X{n:02d}", name=name, parent=tree.street) for n, name in enumerate(names)]


def test_a_long_community_list_is_searched_not_listed(admin_client, many_communities, django_assert_max_num_queries):
    with django_assert_max_num_queries(25):
        page = admin_client.get(URL).content.decode()
    assert 'name="community_q"' in page
    assert "第44社区" not in page and "第03社区" not in page  # not one link per community
    found = admin_client.get(URL, {"community_q": "第4", "status": "full"}).content.decode()
    assert "第40社区" in found and "第44社区" in found and "第03社区" not in found
    assert 'name="status" value="full"' in found  # the search keeps the list's other filters
    by_code = admin_client.get(URL, {"community_q": "s01x03"}).content.decode()
    assert "第03社区" in by_code and "第04社区" not in by_code


def test_a_chosen_community_stays_named_and_filters_the_list(admin_client, tree, many_communities):
    chosen = many_communities[7]
    MemberFactory(org=chosen, name="赵敏")
    response = admin_client.get(URL, {"community": chosen.pk})
    page = response.content.decode()
    assert response.status_code == 200 and "赵敏" in page and "王明" not in page
    assert chosen.name in page


def test_a_short_list_is_still_listed(admin_client, tree):
    page = admin_client.get(URL).content.decode()
    assert tree.community.name in page and 'name="community_q"' not in page


def test_the_search_text_is_bounded_and_other_parameters_still_refused(admin_client, many_communities):
    assert admin_client.get(URL, {"community_q": "社" * 500}).status_code == 200
    assert admin_client.get(URL, {"org__name__regex": "^第"}).status_code == 400


def test_a_street_secretary_searches_only_their_own_communities(client, tree, street_secretary, many_communities):
    foreign = CommunityFactory(code="S02X99", name="第99社区", parent=tree.other_street)
    client.force_login(street_secretary)
    page = client.get(URL, {"community_q": "9社区"}).content.decode()
    assert "第09社区" in page and foreign.name not in page


@pytest.mark.django_db
def test_counts_above_the_bound_are_estimates_and_below_it_exact(admin_client, tree, monkeypatch):
    MemberFactory.create_batch(6, org=tree.grid)
    monkeypatch.setattr(pagination, "EXACT_UP_TO", 20)
    exact = pagination.BoundedCountPaginator(Member.objects.order_by("pk"), 5)
    assert exact.count == Member.objects.count() == 8 and not exact.estimated
    monkeypatch.setattr(pagination, "EXACT_UP_TO", 3)
    estimated = pagination.BoundedCountPaginator(Member.objects.order_by("pk"), 5)
    assert estimated.count >= 4 and estimated.estimated  # at least what it counted, then the planner's figure
    page = admin_client.get(URL).content.decode()
    assert "约" in page or "about" in page
    api = admin_client.get("/api/v1/members/")
    assert api.status_code == 200 and api.json()["count"] >= 4


def test_a_deep_changelist_page_reads_its_keys_first(admin_client, tree, monkeypatch, django_assert_num_queries):
    """From DEFERRED_FROM rows in, the changelist's page reads the keys of its 50 rows over the list's ordering
    (an index: member_org_name_id), then those rows with their organizations: one query more, at any depth."""
    MemberFactory.create_batch(60, org=tree.grid)
    expected = [str(pk) for pk in Member.objects.order_by("org_id", "name", "id").values_list("id", flat=True)[50:]]
    admin_client.get(URL, {"p": 2})
    monkeypatch.setattr(pagination, "DEFERRED_FROM", 10**9)
    with CaptureQueriesContext(connection) as shallow:
        plain = admin_client.get(URL, {"p": 2}).content.decode()
    monkeypatch.setattr(pagination, "DEFERRED_FROM", 1)
    with django_assert_num_queries(len(shallow) + 1):
        deferred = admin_client.get(URL, {"p": 2}).content.decode()
    assert _selected(plain) == _selected(deferred) == expected


def _selected(page):
    return re.findall(r'name="_selected_action" value="(\d+)"', page)
