"""DRF permission classes built on the one scope mechanism (accounts.scopes)."""

from rest_framework.permissions import BasePermission

from .scopes import resolve_scope


class WorksOnTree(BasePermission):
    """Signed-in users who hold a role on the tree (or district-wide); residents and strangers get 403."""

    message = "Your role gives no access to party organizations or members."

    def has_permission(self, request, view):
        return resolve_scope(request.user).is_staff_user
