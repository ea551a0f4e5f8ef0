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


@pytest.mark.parametrize("name", ["admin", "Admin", "sec-JS01-C99", "SEC_JS01", "ｓｅｃ－JS01", "center-SC01",
                                  "inspector-01", "inspector01", "district-1", "administrator"])
def test_staff_names_are_kept_from_public_sign_up(name):
    from core.errors import ValidationError

    with pytest.raises(ValidationError) as exc:
        resident_sign_up(username=name, password="Kx9-booking-2026")
    assert "username" in exc.value.message_dict
    assert not get_user_model().objects.filter(username=name).exists()


@pytest.mark.parametrize("name", ["zhangsan", "second-home", "security", "centers", "王明", "li.hong", "secret",
                                  "resident-0201"])
def test_ordinary_names_still_sign_up(name):
    assert resident_sign_up(username=name, password="Kx9-booking-2026").username == name


def test_the_sign_up_page_says_the_name_is_kept(client):
    from django.urls import reverse

    r = client.post(reverse("sc:signup"), {"username": "sec-JS01-C99", "first_name": "", "email": "",
                                           "password1": "Kx9-booking-2026", "password2": "Kx9-booking-2026"})
    assert r.status_code == 200 and "保留给工作人员" in r.content.decode()
    assert not get_user_model().objects.filter(username="sec-JS01-C99").exists()
