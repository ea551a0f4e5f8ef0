"""The API's token sign-in reads the token and its user in one statement, with DRF's answers for a bad token."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def _api(key):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    return api


def test_a_token_signs_its_user_in_with_one_statement(tree, community_secretary):
    from accounts.api_authentication import TokenAuthentication
    from django.test import RequestFactory

    token = Token.objects.create(user=community_secretary)
    request = RequestFactory().get("/", HTTP_AUTHORIZATION=f"Token {token.key}")
    with CaptureQueriesContext(connection) as ctx:
        user, auth = TokenAuthentication().authenticate(request)
    assert len(ctx.captured_queries) == 1
    assert user == community_secretary and user.username == community_secretary.username
    assert user.password == community_secretary.password and user.is_active
    assert (auth.key, auth.user_id, auth.created) == (token.key, community_secretary.pk, token.created)
    assert auth.user is user
    assert _api(token.key).get("/api/v1/orgs/").status_code == 200


def test_an_unknown_token_or_an_inactive_user_is_a_401_in_chinese(tree, community_secretary):
    unknown = _api("0" * 40).get("/api/v1/orgs/")
    assert unknown.status_code == 401 and unknown.json()["detail"] != "Invalid token."
    token = Token.objects.create(user=community_secretary)
    type(community_secretary).objects.filter(pk=community_secretary.pk).update(is_active=False)
    inactive = _api(token.key).get("/api/v1/orgs/")
    assert inactive.status_code == 401 and inactive.json()["detail"] != "User inactive or deleted."
    injected = _api("x' OR '1'='1").get("/api/v1/orgs/")
    assert injected.status_code == 401
