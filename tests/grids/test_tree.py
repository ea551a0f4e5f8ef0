import pytest
from django.db import IntegrityError, connection, transaction

from grids import services
from grids.models import Kind, Level, OrgNode
from grids.selectors import org_list, org_list_with_counts, org_subtree
from core.errors import PermissionDenied, ValidationError
from tests.factories import BuildingGroupFactory, CommunityFactory, GridFactory, MemberFactory, StreetFactory

pytestmark = pytest.mark.django_db


def test_create_derives_level_and_path(district_user):
    street = services.org_create(actor=district_user, code="S09", name="花园路街道", kind=Kind.STREET)
    community = services.org_create(
        actor=district_user, code="S09C01", name="某社区", kind=Kind.COMMUNITY, parent=street
    )
    village = services.org_create(actor=district_user, code="S09V01", name="路砦村", kind=Kind.VILLAGE, parent=street)
    grid = services.org_create(actor=district_user, code="S09C01G1", name="第一网格", kind=Kind.GRID, parent=community)
    building = services.org_create(
        actor=district_user, code="S09C01G1B1", name="1号楼组", kind=Kind.BUILDING_GROUP, parent=grid
    )
    assert [street.level, community.level, village.level, grid.level, building.level] == [1, 2, 2, 3, 4]
    assert building.path == "/S09/S09C01/S09C01G1/S09C01G1B1/"
    assert building.history.first().history_user == district_user


@pytest.mark.parametrize(
    "parent_attr, kind",
    [
        (None, Kind.COMMUNITY),  # a community at the top
        ("street", Kind.GRID),  # a grid straight under a street
        ("community", Kind.BUILDING_GROUP),  # skipping the grid level
        ("building", Kind.BUILDING_GROUP),  # a fifth level
    ],
)
def test_service_refuses_wrong_level(tree, district_user, parent_attr, kind):
    parent = getattr(tree, parent_attr) if parent_attr else None
    with pytest.raises(ValidationError):
        services.org_create(actor=district_user, code="BAD1", name="错", kind=kind, parent=parent)
    assert not OrgNode.objects.filter(code="BAD1").exists()


def test_duplicate_code_is_a_field_error(tree, district_user):
    with pytest.raises(ValidationError) as exc:
        services.org_create(actor=district_user, code="S01", name="重复", kind=Kind.STREET)
    assert "code" in exc.value.message_dict


def test_database_refuses_wrong_level_under_parent(tree):
    # Bypassing the services: the row claims level 3 under a street.
    with pytest.raises(IntegrityError), transaction.atomic():
        OrgNode.objects.create(code="X1", name="x", kind=Kind.GRID, level=3, parent=tree.street, path="/S01/X1/")


def test_database_refuses_path_that_does_not_extend_parent(tree):
    with pytest.raises(IntegrityError), transaction.atomic():
        OrgNode.objects.create(
            code="X2", name="x", kind=Kind.COMMUNITY, level=2, parent=tree.street, path="/S02/X2/"
        )


def test_database_refuses_a_cycle(tree):
    # Make the street a child of its own building group: level and path checks both refuse it.
    with pytest.raises(IntegrityError), transaction.atomic():
        OrgNode.objects.filter(pk=tree.community.pk).update(parent=tree.grid)
    with pytest.raises(IntegrityError), transaction.atomic():
        OrgNode.objects.filter(pk=tree.grid.pk).update(
            parent=tree.building, path=tree.building.path + "S01C01G01/", level=5
        )


def test_database_refuses_moving_a_node_without_its_children(tree, district_user):
    new_community = CommunityFactory(code="S02C09", parent=tree.other_street)
    with pytest.raises(IntegrityError), transaction.atomic():
        OrgNode.objects.filter(pk=tree.grid.pk).update(
            parent=new_community, path=new_community.path + tree.grid.code + "/"
        )


def test_move_subtree_keeps_descendants_right(tree, district_user):
    target = CommunityFactory(code="S02C02", parent=tree.other_street)
    services.org_move(actor=district_user, node=tree.grid, new_parent=target)
    tree.grid.refresh_from_db()
    tree.building.refresh_from_db()
    assert tree.grid.parent == target
    assert tree.grid.path == "/S02/S02C02/S01C01G01/"
    assert tree.building.path == "/S02/S02C02/S01C01G01/S01C01G01B01/"
    assert tree.building.level == Level.BUILDING_GROUP
    assert set(OrgNode.objects.subtree_of(tree.other_street).values_list("code", flat=True)) >= {
        "S01C01G01",
        "S01C01G01B01",
    }
    assert not OrgNode.objects.subtree_of(tree.community).filter(code="S01C01G01B01").exists()
    # The move is in the moved node's history with who made it.
    latest = tree.grid.history.first()
    assert latest.parent_id == target.pk and latest.history_user == district_user


def test_move_a_community_with_three_levels_below(tree, district_user):
    services.org_move(actor=district_user, node=tree.community, new_parent=tree.other_street)
    paths = dict(OrgNode.objects.subtree_of(tree.other_street).values_list("code", "path"))
    assert paths["S01C01G01B01"] == "/S02/S01C01/S01C01G01/S01C01G01B01/"


@pytest.mark.parametrize("target_attr", ["building", "grid", "other_grid"])
def test_move_refuses_cycles_and_wrong_levels(tree, district_user, target_attr):
    with pytest.raises(ValidationError):
        services.org_move(actor=district_user, node=tree.community, new_parent=getattr(tree, target_attr))
    tree.community.refresh_from_db()
    assert tree.community.parent == tree.street


def test_move_a_street_is_refused(tree, district_user):
    with pytest.raises(ValidationError):
        services.org_move(actor=district_user, node=tree.street, new_parent=tree.other_street)


def test_prefix_does_not_match_a_longer_code(db):
    # "S1" must not match "S11" (the LIKE '%1%' trap): the path separator makes prefixes exact.
    s1 = StreetFactory(code="S1")
    s11 = StreetFactory(code="S11")
    c11 = CommunityFactory(code="S11C1", parent=s11)
    assert list(OrgNode.objects.subtree_of(s1)) == [s1]
    assert c11 not in OrgNode.objects.subtree_of(s1)


def test_subtree_is_one_query_whatever_the_depth(tree, district_user, django_assert_num_queries):
    for i in range(3):
        BuildingGroupFactory(code=f"S01C01G01B{i + 2}", parent=tree.grid)
    with django_assert_num_queries(2):  # the user's scope, then the subtree itself
        nodes = list(org_subtree(user=district_user, node=tree.street))
    assert len(nodes) == 7
    with django_assert_num_queries(1):  # scope is cached on the user for the request
        assert len(list(org_subtree(user=district_user, node=tree.community))) == 6


def test_subtree_query_uses_the_path_index(tree):
    qs = OrgNode.objects.subtree_of(tree.street)
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        plan = qs.explain()
        cursor.execute("RESET enable_seqscan")
    assert "grids_orgnode_path" in plan


def test_counts_annotation(tree, district_user):
    GridFactory(code="S01C01G02", parent=tree.community)
    MemberFactory(org=tree.building)
    nodes = {n.code: n for n in org_list_with_counts(user=district_user)}
    assert nodes["S01C01"].children_count == 2
    assert nodes["S01"].member_count == 2  # the grid's member and the building group's
    assert nodes["S01C01G01B01"].member_count == 1
    assert nodes["S02"].member_count == 1


def test_delete_refuses_a_node_with_children_or_members(tree, district_user):
    with pytest.raises(ValidationError):
        services.org_delete(actor=district_user, node=tree.grid)
    services.org_delete(actor=district_user, node=tree.building)
    assert not OrgNode.objects.filter(code="S01C01G01B01").exists()


def test_delete_refuses_a_leaf_holding_party_members_and_says_why(tree, district_user):
    # grids knows nothing of members: the refusal is the count the members app registers (grids.subtree_counts).
    MemberFactory(org=tree.building)
    with pytest.raises(ValidationError) as refused:
        services.org_delete(actor=district_user, node=tree.building)
    assert refused.value.messages == ["Move its party members to another organization first."]
    assert OrgNode.objects.filter(pk=tree.building.pk).exists()


def test_secretary_cannot_write_outside_subtree(tree, community_secretary):
    with pytest.raises(PermissionDenied):
        services.org_create(
            actor=community_secretary, code="G9", name="x", kind=Kind.GRID, parent=tree.other_community
        )
    with pytest.raises(PermissionDenied):
        services.org_create(actor=community_secretary, code="S99", name="x", kind=Kind.STREET)
    grid = services.org_create(actor=community_secretary, code="G9", name="新网格", kind=Kind.GRID, parent=tree.community)
    assert grid.path == "/S01/S01C01/G9/"
    with pytest.raises(PermissionDenied):
        services.org_move(actor=community_secretary, node=tree.community, new_parent=tree.other_street)


def test_selectors_are_scoped(tree, community_secretary, street_secretary, resident):
    assert set(org_list(user=community_secretary).values_list("code", flat=True)) == {
        "S01C01", "S01C01G01", "S01C01G01B01"
    }
    assert "S01" in set(org_list(user=street_secretary).values_list("code", flat=True))
    assert "S02" not in set(org_list(user=street_secretary).values_list("code", flat=True))
    assert not org_list(user=resident).exists()


def test_org_change_moves_and_edits_in_one_go(tree, district_user):
    node = services.org_change(actor=district_user, node=tree.grid, new_parent=tree.other_community, name="新网格")
    node.refresh_from_db()
    assert (node.parent_id, node.name, node.path) == (tree.other_community.pk, "新网格", "/S02/S02C01/S01C01G01/")
    assert OrgNode.objects.get(pk=tree.building.pk).path == "/S02/S02C01/S01C01G01/S01C01G01B01/"
    # The same parent again, or none given: no move, only the edit.
    services.org_change(actor=district_user, node=node, new_parent=tree.other_community, name="新网格二")
    services.org_change(actor=district_user, node=node, secretary_name="张三")
    node.refresh_from_db()
    assert (node.parent_id, node.name, node.secretary_name) == (tree.other_community.pk, "新网格二", "张三")


def test_org_change_refused_half_way_writes_nothing(tree, district_user):
    grid = OrgNode.objects.get(pk=tree.grid.pk)
    history = grid.history.count()
    # The move is allowed; the edit after it is not (a grid cannot be of the street kind): nothing stays.
    with pytest.raises(ValidationError):
        services.org_change(actor=district_user, node=grid, new_parent=tree.other_community, kind=Kind.STREET)
    grid.refresh_from_db()
    assert (grid.parent_id, grid.path, grid.kind) == (tree.community.pk, "/S01/S01C01/S01C01G01/", Kind.GRID)
    assert OrgNode.objects.get(pk=tree.building.pk).path == "/S01/S01C01/S01C01G01/S01C01G01B01/"
    assert grid.history.count() == history
