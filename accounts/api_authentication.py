"""How API requests sign in.

- `TokenAuthentication`: DRF's, reading the token and its user in one prepared statement instead of building the
  ORM query on every request (the ORM's compile was a seventh of a booking's time in Python), prepared once per
  connection (core.prepared).
- `SecondFactorSessionAuthentication`: session sign-in for the API (the browsable docs' "try it out"): like
  DRF's, but a user who must pass the second factor and has not in this session is not signed in (a token comes
  only after it: accounts.api.TokenView).
"""

import functools

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.utils.translation import gettext as _
from drf_spectacular.authentication import SessionScheme
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.authentication import TokenAuthentication as DRFTokenAuthentication
from rest_framework.authtoken.models import Token

from core import prepared


@functools.cache
def _token_user_statement(vendor):
    """(SQL, the user's attnames): the token's `created` and every column of its user, by the token's key."""
    from django.db import connection

    user_model = get_user_model()
    quote = connection.ops.quote_name
    fields = user_model._meta.concrete_fields
    columns = ", ".join(f"u.{quote(f.column)}" for f in fields)
    token, user = Token._meta, user_model._meta
    sql = (f"SELECT t.{quote(token.get_field('created').column)}, {columns} FROM {quote(token.db_table)} t"
           f" JOIN {quote(user.db_table)} u ON u.{quote(user.pk.column)} = t.{quote(token.get_field('user').column)}"
           f" WHERE t.{quote(token.pk.column)} = %s")
    return sql, [f.attname for f in fields]


class TokenAuthentication(DRFTokenAuthentication):
    """DRF's token sign-in with the same answers (an unknown key or an inactive user is a 401 with DRF's
    messages); the token and its user come from one statement built once per process."""

    def authenticate_credentials(self, key):
        alias = router.db_for_read(Token)
        connection = connections[alias]
        sql, attnames = _token_user_statement(connection.vendor)
        with connection.cursor() as cursor:
            prepared.execute(cursor, "api_token_user", sql, [key])
            row = cursor.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user = get_user_model().from_db(alias, attnames, row[1:])
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        token = Token.from_db(alias, ["key", "user_id", "created"], [key, user.pk, row[0]])
        token.user = user
        return user, token


class SecondFactorSessionAuthentication(SessionAuthentication):
    def authenticate(self, request):
        from .middleware import second_factor_enforced, second_factor_passed

        result = super().authenticate(request)
        if result is not None and second_factor_enforced(result[0]) and not second_factor_passed(request._request):
            raise exceptions.NotAuthenticated(_("Two-factor sign-in is required: enter your code on the portal first."))
        return result


class SecondFactorSessionScheme(SessionScheme):
    """The API schema describes it as the cookie sign-in it is."""

    target_class = SecondFactorSessionAuthentication
