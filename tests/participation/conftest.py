import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role, RoleGrant
from participation.models import Activity, ActivityKind
from tests.factories import UserFactory, grant
from tests.servicecenters.factories import CenterFactory


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def api():
    def client_for(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return client_for


@pytest.fixture
def center(tree):
    return CenterFactory(code="SC01", name="凤凰台党群服务中心", street=tree.street)


@pytest.fixture
def other_center(tree):
    return CenterFactory(code="SC02", name="北林路党群服务中心", street=tree.other_street)


@pytest.fixture
def center_staff(center):
    user = UserFactory(username="center-SC01", is_staff=False)
    RoleGrant.objects.create(user=user, role=Role.CENTER_STAFF, center_id=center.pk)
    return user


@pytest.fixture
def other_resident(db):
    return grant(UserFactory(username="resident-0002", is_staff=False), Role.RESIDENT)


@pytest.fixture
def make_activity(center):
    def make(capacity=10, *, starts_in=datetime.timedelta(days=2), hours=2, **fields):
        now = timezone.now()
        starts = now + starts_in
        values = dict(center=center, kind=ActivityKind.FOUR_OCLOCK, title="四点钟课堂·作业辅导", starts_at=starts,
                      ends_at=starts + datetime.timedelta(hours=hours), capacity=capacity,
                      signup_opens=now - datetime.timedelta(days=1), signup_closes=starts)
        values.update(fields)
        return Activity.objects.create(**values)

    return make
