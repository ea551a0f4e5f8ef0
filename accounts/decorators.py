"""Who may open the staff pages outside the admin (assessment, member work): one rule, from the user's scope."""

import functools

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from .scopes import resolve_scope


def staff_page(view=None, *, write=False, denied=None):
    """Signed-in staff only: anonymous users go to the admin sign-in, other roles get 403 (`denied` is the
    message shown). With `write=True` the user must also hold write scope somewhere (inspectors read only)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("admin:login"))
            scope = resolve_scope(request.user)
            if not scope.is_staff_user or (write and not scope.writes_anywhere):
                raise PermissionDenied(str(denied) if denied else "")
            return view(request, *args, **kwargs)

        return wrapped

    return decorate(view) if view is not None else decorate
