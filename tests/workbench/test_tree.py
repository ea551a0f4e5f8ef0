"""The tree browser: the user's subtree only (and the names on the path down to it), counts per node, and a fixed
number of queries whatever the size of the tree."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    BuildingGroupFactory,
    CommunityFactory,
    GridFactory,
    MemberFactory,
    StreetFactory,
)


def _nodes(page):
    return [n.name for n in page.context["nodes"]]


@pytest.mark.django_db
def test_district_staff_see_every_street_with_counts(client, tree, district_user):
    client.force_login(district_user)
    page = client.get("/workbench/tree/")
    assert page.status_code == 200
    assert _nodes(page) == ["经八路街道", "北林路街道"]
    street = page.context["nodes"][0]
    assert street.members == 1 and street.child_count == 1 and street.descendant_count == 3
    html = page.content.decode()
    assert f"/admin/members/member/?org_subtree={tree.street.pk}" in html
    assert f"/members/branches/{tree.community.pk}/" in html


@pytest.mark.django_db
def test_a_secretary_sees_their_subtree_and_the_path_down_to_it(client, tree, street_secretary,
                                                               community_secretary):
    client.force_login(street_secretary)
    page = client.get("/workbench/tree/")
    assert _nodes(page) == ["经八路街道"]
    assert "北林路街道" not in page.content.decode()
    assert client.get(f"/workbench/tree/{tree.other_street.pk}/").status_code == 404
    assert client.get(f"/workbench/tree/{tree.other_grid.pk}/").status_code == 404

    client.force_login(community_secretary)
    page = client.get(f"/workbench/tree/{tree.community.pk}/")
    assert page.context["focus"].name == "省委社区" and _nodes(page) == ["第一网格"]
    # The street above is named on the path, not opened.
    assert [(a["name"], a["visible"]) for a in page.context["ancestors"]] == [("经八路街道", False)]
    assert f'/workbench/tree/{tree.street.pk}/"' not in page.content.decode()
    assert client.get(f"/workbench/tree/{tree.street.pk}/").status_code == 404


@pytest.mark.django_db
def test_residents_and_center_staff_have_no_tree(client, resident):
    client.force_login(resident)
    assert client.get("/workbench/tree/").status_code == 302  # to their phone pages


def _grow(street_count, communities=4, grids=3, groups=2):
    for s in range(street_count):
        street = StreetFactory(code=f"T{s:02d}", name=f"街道{s}")
        for c in range(communities):
            community = CommunityFactory(code=f"T{s:02d}C{c:02d}", name=f"社区{c}", parent=street)
            for g in range(grids):
                grid = GridFactory(code=f"T{s:02d}C{c:02d}G{g}", name=f"网格{g}", parent=community)
                MemberFactory(org=grid)
                for b in range(groups):
                    BuildingGroupFactory(code=f"T{s:02d}C{c:02d}G{g}B{b}", name=f"楼组{b}", parent=grid)


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_the_tree_costs_the_same_queries_whatever_its_size(client, tree, district_user):
    client.force_login(district_user)
    small_root, small_node = _count(client, "/workbench/tree/"), _count(client, f"/workbench/tree/{tree.street.pk}/")
    _grow(3)
    big_root, big_node = _count(client, "/workbench/tree/"), _count(client, f"/workbench/tree/{tree.street.pk}/")
    assert small_root == big_root and small_node == big_node
    assert big_root <= 8 and big_node <= 9
    page = client.get("/workbench/tree/")
    grown = next(n for n in page.context["nodes"] if n.name == "街道0")
    assert grown.members == 12 and grown.descendant_count == 4 + 12 + 24
