"""Writes of accounts and roles. Keyword-only and atomic."""

from django.contrib.auth import get_user_model
from django.db import transaction

from .models import Role, RoleGrant


@transaction.atomic
def resident_sign_up(*, username, password, first_name="", email=""):
    """Create a resident's own account (not staff) with the resident role, in one transaction.

    The caller has validated the input (the sign-up form: a free username, an acceptable password).
    Returns the new user.
    """
    user = get_user_model()(username=username, first_name=first_name, email=email, is_staff=False)
    user.set_password(password)
    user.save()
    RoleGrant.objects.create(user=user, role=Role.RESIDENT)
    return user
