"""Writes of accounts and roles. Keyword-only and atomic."""

import re
import unicodedata

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import ValidationError

from .models import Role, RoleGrant

#: User names kept for staff accounts (the district's `admin`, `sec-<code>` for secretaries, `center-<code>` for
#: service-center staff, `inspector-NN`, and the like): public sign-up refuses them, whatever the case, the
#: separator or look-alike (full-width) letters, so that nobody can take a staff name before staff get it.
RESERVED_USERNAMES = re.compile(
    r"^(?:admin|administrator|root|superuser|system|staff|district|inspector|secretary"
    r"|(?:admin|sec|secretary|center|centre|inspector|district|staff|grid)[-_.@+]?(?:[-_.@+]|\d).*)$"
)


def username_is_reserved(username):
    """Whether a user name is kept for staff (see RESERVED_USERNAMES)."""
    folded = unicodedata.normalize("NFKC", username or "").casefold().strip()
    return bool(RESERVED_USERNAMES.match(folded))


@transaction.atomic
def resident_sign_up(*, username, password, first_name="", email=""):
    """Create a resident's own account (not staff) with the resident role, in one transaction.

    The caller has validated the input (the sign-up form: a free username, an acceptable password); a user name
    kept for staff is refused here (ValidationError on `username`). Returns the new user.
    """
    if username_is_reserved(username):
        raise ValidationError({"username": [_("This user name is kept for staff accounts. Choose another.")]},
                              code="reserved_username")
    user = get_user_model()(username=username, first_name=first_name, email=email, is_staff=False)
    user.set_password(password)
    user.save()
    RoleGrant.objects.create(user=user, role=Role.RESIDENT)
    return user
