"""accounts.services: the writes of accounts and roles."""

from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError

from accounts.models import Role, RoleGrant
from accounts.scopes import resolve_scope
from accounts.services import resident_sign_up

pytestmark = pytest.mark.django_db


def test_resident_sign_up_makes_a_resident_who_is_not_staff():
    user = resident_sign_up(username="new-resident", password="Kx9-booking-2026", first_name="张三")
    user.refresh_from_db()
    assert not user.is_staff and user.first_name == "张三" and user.check_password("Kx9-booking-2026")
    assert list(RoleGrant.objects.filter(user=user).values_list("role", "node_id", "center_id")) == [
        (Role.RESIDENT, None, None)
    ]
    assert resolve_scope(user).roles == {Role.RESIDENT}


def test_resident_sign_up_refused_half_way_writes_nothing():
    with mock.patch.object(RoleGrant.objects, "create", side_effect=IntegrityError("refused")):
        with pytest.raises(IntegrityError):
            resident_sign_up(username="half-way", password="Kx9-booking-2026")
    assert not get_user_model().objects.filter(username="half-way").exists()
