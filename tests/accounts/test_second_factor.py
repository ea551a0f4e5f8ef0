"""Two-factor sign-in: who must pass it, the guard on the staff pages, setting up the authenticator, entering a
code or a recovery code, and the API token endpoint's `otp` field.

These tests sign in with passwords through the real sign-in page (never the force_login shortcut, which passes the
second factor: tests/second_factor.py) and compute the codes from the authenticator's key as the phone would.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts.models import OrgNodeUserObjectPermission, Role, RoleGrant
from accounts.scopes import requires_second_factor
from tests.factories import UserFactory, grant
from tests.second_factor import authenticator, totp_code
from tests.servicecenters.factories import CenterFactory

pytestmark = pytest.mark.django_db

STAFF_PAGES = ["/admin/", "/dashboard/", "/assessment/", "/members/birthdays/", "/inbox/"]


@pytest.fixture(autouse=True)
def _second_factor_on(settings):
    settings.OTP_REQUIRED = True  # as in production (the default): these tests are about it


def signed_in_with_password(user, password):
    client = Client()
    response = client.post("/admin/login/", {"username": user.username, "password": password})
    assert response.status_code == 302, response.content
    return client


def test_it_is_on_by_default():
    import os

    from django.conf import settings

    assert "OTP_REQUIRED" not in os.environ and settings.OTP_REQUIRED is True


def test_who_must_pass_it(tree, district_user, street_secretary, community_secretary, resident):
    inspector = grant(UserFactory(username="inspector-x"), Role.INSPECTOR)
    grid_leader = grant(UserFactory(username="grid-x"), Role.GRID_LEADER, tree.grid)
    center_staff = UserFactory(username="center-x", is_staff=False)
    RoleGrant.objects.create(user=center_staff, role=Role.CENTER_STAFF, center_id=CenterFactory().pk)
    changer, viewer = UserFactory(username="exception-change"), UserFactory(username="exception-view")
    from django.contrib.auth.models import Permission

    for user, codename in ((changer, "change_orgnode"), (viewer, "view_orgnode")):
        OrgNodeUserObjectPermission.objects.create(
            user=user, content_object=tree.grid, permission=Permission.objects.get(codename=codename))
    must = [district_user, inspector, street_secretary, community_secretary, grid_leader, changer,
            UserFactory(username="root-x", is_superuser=True)]
    need_not = [resident, center_staff, viewer, UserFactory(username="nobody-x", is_staff=False)]
    assert all(requires_second_factor(u) for u in must)
    assert not any(requires_second_factor(u) for u in need_not)


def test_staff_pages_send_a_password_only_session_to_set_up(community_secretary, password):
    client = signed_in_with_password(community_secretary, password)
    for path in STAFF_PAGES:
        response = client.get(path)
        assert response.status_code == 302 and response.url.startswith("/accounts/2fa/setup/?next="), path
    assert client.get("/api/v1/members/").status_code in (401, 403)  # the session does not open the API either
    assert client.get("/m/").status_code == 200  # the phone pages are not staff pages


def test_residents_and_center_staff_are_not_asked(resident, password):
    center_staff = UserFactory(username="center-y", is_staff=False)
    RoleGrant.objects.create(user=center_staff, role=Role.CENTER_STAFF, center_id=CenterFactory().pk)
    for user in (resident, center_staff):
        client = Client()
        client.post("/m/login/", {"username": user.username, "password": password})
        assert client.get("/inbox/").status_code == 200
        assert client.get("/m/").status_code == 200


def test_set_up_the_authenticator_then_see_the_recovery_codes_once(community_secretary, password, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # a wrong code, then the right one at once
    client = signed_in_with_password(community_secretary, password)
    page = client.get("/accounts/2fa/setup/", {"next": "/dashboard/"})
    body = page.content.decode()
    assert page.status_code == 200 and 'class="segno"' in body and "身份验证器" in body
    device = TOTPDevice.objects.get(user=community_secretary)
    assert not device.confirmed
    shown_key = re.search(r'class="second-factor-key">([A-Z2-7 ]+)<', body).group(1).replace(" ", "")
    import base64

    assert base64.b32decode(shown_key) == device.bin_key
    assert client.get("/accounts/2fa/setup/").content.decode().count(shown_key[:4]) >= 1  # the same key again
    assert TOTPDevice.objects.filter(user=community_secretary).count() == 1

    wrong = client.post("/accounts/2fa/setup/", {"code": "000000", "next": "/dashboard/"})
    assert wrong.status_code == 400 and "验证码不对" in wrong.content.decode()
    assert client.get("/dashboard/").status_code == 302

    code = f"{TOTP(device.bin_key).token():06d}"
    done = client.post("/accounts/2fa/setup/", {"code": code, "next": "/dashboard/"})
    body = done.content.decode()
    assert done.status_code == 200 and "恢复码" in body
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", body)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert StaticToken.objects.filter(device__user=community_secretary).count() == 10
    device.refresh_from_db()
    assert device.confirmed
    # Signed in fully now; the setup page is not offered again (nobody replaces it with a password alone).
    for path in STAFF_PAGES:
        assert client.get(path).status_code == 200, path
    again = client.get("/accounts/2fa/setup/")
    assert again.status_code == 302 and again.url.startswith("/accounts/2fa/verify/")
    assert "abcde" not in client.get("/dashboard/").content.decode()


def test_sign_in_with_a_code_or_a_recovery_code(community_secretary, password, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = settings.OTP_STATIC_THROTTLE_FACTOR = 0
    device = authenticator(community_secretary)
    StaticToken.objects.create(device=StaticDevice.objects.create(user=community_secretary, name="r"),
                               token="abcdefghjk")
    client = signed_in_with_password(community_secretary, password)
    response = client.get("/assessment/")
    assert response.status_code == 302 and response.url == "/accounts/2fa/verify/?next=%2Fassessment%2F"
    page = client.get(response.url)
    assert page.status_code == 200 and "segno" not in page.content.decode()  # no new key for a password alone
    assert client.post("/accounts/2fa/verify/", {"code": "123456", "next": "/assessment/"}).status_code == 400
    ok = client.post("/accounts/2fa/verify/", {"code": totp_code(device), "next": "/assessment/"})
    assert ok.status_code == 302 and ok.url == "/assessment/"
    assert client.get("/assessment/", follow=True).status_code == 200
    # Another sign-in, with a recovery code (typed as shown, with its dash): it works once.
    for expected in (302, 400):
        other = signed_in_with_password(community_secretary, password)
        response = other.post("/accounts/2fa/verify/", {"code": " ABCDE-fghjk ", "next": "/dashboard/"})
        assert response.status_code == expected
    # A foreign next is not followed.
    other = signed_in_with_password(community_secretary, password)
    response = other.post("/accounts/2fa/verify/", {"code": totp_code(device), "next": "https://evil.example/"})
    assert response.status_code == 302 and response.url == "/"


def test_guessing_codes_is_slowed_down(community_secretary, password):
    device = authenticator(community_secretary)
    client = signed_in_with_password(community_secretary, password)
    assert client.post("/accounts/2fa/verify/", {"code": "000000"}).status_code == 400
    # Right after a wrong code the device waits (django-otp doubles the wait each time): even the right code waits.
    refused = client.post("/accounts/2fa/verify/", {"code": totp_code(device)})
    assert refused.status_code == 429 and "稍等" in refused.content.decode()
    assert client.get("/dashboard/").status_code == 302


def test_the_guard_can_be_turned_off_for_the_demo_only(community_secretary, password, settings):
    settings.OTP_REQUIRED = False
    client = signed_in_with_password(community_secretary, password)
    assert client.get("/dashboard/").status_code == 200


# --- the API ------------------------------------------------------------------------------------------------------


def _token(body):
    return APIClient().post("/api/v1/auth/token/", body, format="json")


def test_token_for_staff_needs_the_code(community_secretary, password, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    body = {"username": "sec-S01C01", "password": password}
    response = _token(body)
    assert response.status_code == 400 and "otp" in response.json()  # not set up yet: told so
    device = authenticator(community_secretary)
    assert _token(body).status_code == 400
    assert _token({**body, "otp": "000000"}).status_code == 400
    assert _token({**body, "otp": ["1"]}).status_code == 400
    response = _token({**body, "otp": totp_code(device)})
    assert response.status_code == 200 and response.json()["token"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert api.get("/api/v1/members/").status_code == 200
    assert _token({"username": "sec-S01C01", "password": "wrong", "otp": totp_code(device)}).status_code == 400


def test_token_for_residents_is_unchanged(resident, password):
    response = _token({"username": "resident-0001", "password": password})
    assert response.status_code == 200 and set(response.json()) == {"token"}


def test_the_schema_documents_the_otp_field():
    schema = APIClient().get("/api/schema/?format=json").json()
    request = schema["components"]["schemas"]["TokenRequestRequest"]
    assert "otp" in request["properties"] and "otp" not in request.get("required", [])
    assert set(request["required"]) == {"username", "password"}


def test_api_session_needs_the_second_factor_too(community_secretary, password):
    device = authenticator(community_secretary)
    client = signed_in_with_password(community_secretary, password)
    assert client.get("/api/v1/members/").status_code in (401, 403)
    client.post("/accounts/2fa/verify/", {"code": totp_code(device)})
    assert client.get("/api/v1/members/").status_code == 200


def test_a_deleted_device_ends_the_verified_session(community_secretary, password):
    device = authenticator(community_secretary)
    client = signed_in_with_password(community_secretary, password)
    client.post("/accounts/2fa/verify/", {"code": totp_code(device)})
    assert client.get("/dashboard/").status_code == 200
    device.delete()
    response = client.get("/dashboard/")
    assert response.status_code == 302 and response.url.startswith("/accounts/2fa/setup/")
    assert get_user_model().objects.filter(pk=community_secretary.pk).exists()
