"""Model-level permissions from roles: district staff may use every admin page (users, schedules, …).

Object scope is not decided here: scoped models answer through ScopedAdminMixin and the selectors.
"""

from .scopes import resolve_scope


class RoleModelPermissionBackend:
    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user_obj, perm, obj=None):
        if obj is not None or not user_obj.is_active:
            return False
        return resolve_scope(user_obj).write_all

    def has_module_perms(self, user_obj, app_label):
        return user_obj.is_active and resolve_scope(user_obj).write_all
