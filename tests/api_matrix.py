"""The roles of the API's permission matrices (tests/community/test_api.py, tests/assessment/test_api.py):
district staff, a street secretary (S01), a community secretary (S01C01), an inspector, service-center staff, a
resident and nobody signed in, each with an API client."""

from rest_framework.test import APIClient

from accounts.models import Role, RoleGrant
from tests.factories import UserFactory, grant

ROLES = ["district", "street", "community", "inspector", "center", "resident", "anonymous"]


def role_users(tree, district_user, street_secretary, community_secretary, resident):
    from tests.servicecenters.factories import CenterFactory

    center = CenterFactory(code="SC91", name="测试党群服务中心", street=tree.street)
    center_staff = UserFactory(username="center-91")
    RoleGrant.objects.create(user=center_staff, role=Role.CENTER_STAFF, center_id=center.pk)
    return {"district": district_user, "street": street_secretary, "community": community_secretary,
            "inspector": grant(UserFactory(username="inspector-91"), Role.INSPECTOR), "center": center_staff,
            "resident": resident, "anonymous": None}


def client_for(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client
