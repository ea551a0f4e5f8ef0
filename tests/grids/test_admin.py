import pytest
from django.urls import reverse

from grids.models import OrgNode
from tests.factories import BuildingGroupFactory, MemberFactory

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture
def district_client(client, district_user):
    client.force_login(district_user)
    return client


def _grow(tree, n):
    for i in range(n):
        b = BuildingGroupFactory(code=f"S01C01G01B{i + 10}", parent=tree.grid)
        MemberFactory(org=b)


def test_tree_changelist_is_chinese_and_shows_counts(district_client, tree):
    response = district_client.get(reverse("admin:grids_orgnode_changelist"), **ZH)
    body = response.content.decode()
    assert response.status_code == 200
    assert "党组织" in body and "经八路街道" in body
    assert 'lang="zh-hans"' in body


@pytest.mark.parametrize("url_name", [
    "admin:grids_orgnode_changelist", "admin:grids_street_changelist", "admin:grids_community_changelist",
    "admin:grids_grid_changelist", "admin:grids_buildinggroup_changelist", "admin:members_member_changelist",
])
def test_list_pages_run_a_fixed_number_of_queries(district_client, tree, url_name, django_assert_max_num_queries):
    url = reverse(url_name)
    district_client.get(url)  # warm up session and content types
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert district_client.get(url).status_code == 200
    _grow(tree, 30)
    with CaptureQueriesContext(connection) as large:
        assert district_client.get(url).status_code == 200
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    with django_assert_max_num_queries(12):
        district_client.get(url + "?p=0")


def test_tree_list_links_the_member_count_of_each_subtree(district_client, tree):
    body = district_client.get(reverse("admin:grids_orgnode_changelist")).content.decode()
    members = reverse("admin:members_member_changelist")
    assert f'<td class="field-member_count_display"><a href="{members}?org_subtree={tree.street.pk}">1</a></td>' in body
    assert '<td class="field-member_count_display">0</td>' in body  # the building group: no link


def test_member_list_masks_personal_data(district_client, tree):
    response = district_client.get(reverse("admin:members_member_changelist"))
    body = response.content.decode()
    assert tree.member.id_number not in body
    assert tree.member.masked_id_number in body
    assert tree.member.phone not in body


def test_member_filters_by_street_and_search(district_client, tree):
    url = reverse("admin:members_member_changelist")
    body = district_client.get(url, {"street": tree.street.pk}).content.decode()
    assert tree.member.name in body and tree.other_member.name not in body
    body = district_client.get(url, {"q": tree.other_member.id_number}).content.decode()
    assert tree.other_member.name in body and tree.member.name not in body
    body = district_client.get(url, {"org_subtree": tree.community.pk}).content.decode()
    assert tree.member.name in body and tree.other_member.name not in body


def test_children_filter_browses_the_tree(district_client, tree):
    url = reverse("admin:grids_orgnode_changelist")
    body = district_client.get(url, {"parent__id__exact": tree.street.pk}).content.decode()
    assert "省委社区" in body and "鑫苑社区" not in body


def test_search_by_code_and_name(district_client, tree):
    url = reverse("admin:grids_orgnode_changelist")
    assert "省委社区" in district_client.get(url, {"q": "S01C01"}).content.decode()
    assert "S02C01" in district_client.get(url, {"q": "鑫苑"}).content.decode()


def test_add_node_through_admin_uses_the_service(district_client, tree):
    url = reverse("admin:grids_orgnode_add")
    response = district_client.post(url, {
        "code": "S01C02", "name": "新社区", "kind": "community", "parent": tree.street.pk,
        "secretary_name": "刘书记", "secretary_phone": "13800000000", "address": "",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    node = OrgNode.objects.get(code="S01C02")
    assert node.level == 2 and node.path == "/S01/S01C02/"
    assert node.history.first().history_user.username == "district"


def test_admin_refuses_wrong_level_with_a_form_error(district_client, tree):
    response = district_client.post(reverse("admin:grids_orgnode_add"), {
        "code": "BAD", "name": "错", "kind": "grid", "parent": tree.street.pk,
    })
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not OrgNode.objects.filter(code="BAD").exists()


def test_admin_move_rewrites_descendants(district_client, tree):
    url = reverse("admin:grids_orgnode_change", args=[tree.community.pk])
    response = district_client.post(url, {
        "name": tree.community.name, "kind": "community", "parent": tree.other_street.pk,
        "secretary_name": "", "secretary_phone": "", "address": "",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    tree.building.refresh_from_db()
    assert tree.building.path == "/S02/S01C01/S01C01G01/S01C01G01B01/"


def test_member_history_page(district_client, tree):
    url = reverse("admin:members_member_history", args=[tree.member.pk])
    assert district_client.get(url).status_code == 200
