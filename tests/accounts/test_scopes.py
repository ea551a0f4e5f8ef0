import pytest
from guardian.shortcuts import assign_perm

from accounts.models import OrgNodeUserObjectPermission, Role
from accounts.scopes import forget_scope, resolve_scope
from grids.selectors import org_list
from members.records.selectors import member_list
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db


def test_guardian_object_permission_grants_a_subtree_through_the_direct_table(tree):
    inspector_of_one = UserFactory(username="visitor")
    assign_perm("grids.view_orgnode", inspector_of_one, tree.other_community)
    assert OrgNodeUserObjectPermission.objects.filter(user=inspector_of_one).count() == 1
    codes = set(org_list(user=inspector_of_one).values_list("code", flat=True))
    assert codes == {"S02C01", "S02C01G01"}
    assert not org_list(user=inspector_of_one, write=True).exists()
    assert list(member_list(user=inspector_of_one)) == [tree.other_member]


def test_change_permission_exception_allows_writes(tree):
    helper = UserFactory(username="helper")
    assign_perm("grids.change_orgnode", helper, tree.grid)
    assert set(org_list(user=helper, write=True).values_list("code", flat=True)) == {"S01C01G01", "S01C01G01B01"}


def test_scope_is_one_query_and_cached(tree, django_assert_num_queries):
    user = grant(UserFactory(username="two-hats"), Role.COMMUNITY_SECRETARY, tree.community)
    grant(user, Role.STREET_SECRETARY, tree.other_street)
    assign_perm("grids.view_orgnode", user, tree.street)
    with django_assert_num_queries(1):
        scope = resolve_scope(user)
    with django_assert_num_queries(0):
        resolve_scope(user)
    assert scope.read_paths == ("/S01/", "/S02/")  # the community is inside the street: kept once
    assert scope.write_paths == ("/S01/S01C01/", "/S02/")
    forget_scope(user)
    with django_assert_num_queries(1):
        resolve_scope(user)


def test_nested_grants_are_reduced(tree):
    user = grant(UserFactory(username="nested"), Role.STREET_SECRETARY, tree.street)
    grant(user, Role.COMMUNITY_SECRETARY, tree.community)
    assert resolve_scope(user).read_paths == ("/S01/",)


def test_inactive_and_anonymous_users_have_no_scope(tree, community_secretary):
    from django.contrib.auth.models import AnonymousUser

    community_secretary.is_active = False
    assert not resolve_scope(community_secretary).is_staff_user
    assert not org_list(user=AnonymousUser()).exists()


def test_superuser_sees_everything(tree):
    root = UserFactory(username="root", is_superuser=True)
    assert org_list(user=root).count() == 7


def test_role_grant_constraints(tree):
    from django.db import IntegrityError, transaction

    from accounts.models import RoleGrant

    user = UserFactory(username="c")
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(user=user, role=Role.COMMUNITY_SECRETARY, node=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(user=user, role=Role.RESIDENT, node=tree.grid)
    RoleGrant.objects.create(user=user, role=Role.RESIDENT)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(user=user, role=Role.RESIDENT)


def test_role_grant_admin_form_refuses_a_wrong_level(client, tree, district_user):
    from django.urls import reverse

    from accounts.models import RoleGrant

    client.force_login(district_user)
    target = UserFactory(username="new-sec")
    url = reverse("admin:accounts_rolegrant_add")
    response = client.post(url, {"user": target.pk, "role": Role.COMMUNITY_SECRETARY, "node": tree.street.pk})
    assert response.status_code == 200 and "node" in response.context["adminform"].form.errors
    response = client.post(url, {"user": target.pk, "role": Role.COMMUNITY_SECRETARY, "node": tree.community.pk})
    assert response.status_code == 302
    assert RoleGrant.objects.get(user=target).granted_by == district_user
