"""DRF permission classes built on the one scope mechanism (accounts.scopes)."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .scopes import resolve_scope


class WorksOnTree(BasePermission):
    """Signed-in users who hold a role on the tree (or district-wide); residents and strangers get 403."""

    message = "Your role gives no access to party organizations or members."

    def has_permission(self, request, view):
        return resolve_scope(request.user).is_staff_user


class ChangesOnTree(WorksOnTree):
    """Reads as WorksOnTree; a write (POST, PUT, PATCH, DELETE) only by a user who may change records somewhere on
    the tree: an inspector reads only and gets 403 before the request's body is read. Where exactly the user may
    write is the services' decision (403 from them)."""

    message = _("Your role may read these records but not change them.")

    def has_permission(self, request, view):
        scope = resolve_scope(request.user)
        if request.method in SAFE_METHODS:
            return scope.is_staff_user
        return scope.writes_anywhere
