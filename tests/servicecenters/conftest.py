import datetime

import pytest
from django.utils import timezone

from accounts.models import Role, RoleGrant
from tests.factories import UserFactory, grant

from .factories import CenterFactory, RoomFactory

TZ = timezone.get_fixed_timezone(8 * 60)


def local_dt(day, hh, mm=0):
    """An aware datetime at local (Asia/Shanghai, +08:00) day and time."""
    return datetime.datetime.combine(day, datetime.time(hh, mm), tzinfo=TZ)


@pytest.fixture
def tomorrow():
    return timezone.localdate() + datetime.timedelta(days=1)


@pytest.fixture
def center(db):
    return CenterFactory(code="SC01", name="凤凰台党群服务中心")


@pytest.fixture
def other_center(db):
    return CenterFactory(code="SC02", name="经八路党群服务中心")


@pytest.fixture
def room(center):
    return RoomFactory(center=center, name="多功能活动室", capacity=20)


@pytest.fixture
def other_room(other_center):
    return RoomFactory(center=other_center, name="书吧", capacity=10)


@pytest.fixture
def resident(db):
    return grant(UserFactory(username="resident-0001", is_staff=False, email="r1@example.com", password="!"), Role.RESIDENT)


@pytest.fixture
def resident2(db):
    return grant(UserFactory(username="resident-0002", is_staff=False, email="r2@example.com", password="!"), Role.RESIDENT)


@pytest.fixture
def staff(center):
    user = UserFactory(username="center-SC01", is_staff=False, password="!")
    RoleGrant.objects.create(user=user, role=Role.CENTER_STAFF, center_id=center.pk)
    return user


@pytest.fixture
def other_staff(other_center):
    user = UserFactory(username="center-SC02", is_staff=False, password="!")
    RoleGrant.objects.create(user=user, role=Role.CENTER_STAFF, center_id=other_center.pk)
    return user
