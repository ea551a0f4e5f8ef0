"""Model-level permissions from roles: district staff may use the admin's unscoped pages (users, schedules …).

Object scope is not decided here: scoped models answer through ScopedAdminMixin and the selectors.
Some things stay with superusers: API tokens of other people, permission groups and raw permissions, and the
second-factor devices (their keys; a superuser deletes a lost one so that its owner sets up a new one).
"""

from .scopes import resolve_scope

SUPERUSER_ONLY_APPS = {"authtoken", "guardian", "otp_totp", "otp_static"}
SUPERUSER_ONLY_PERMS = {"auth.add_group", "auth.change_group", "auth.delete_group", "auth.view_group",
                        "auth.add_permission", "auth.change_permission", "auth.delete_permission",
                        "auth.view_permission"}


class RoleModelPermissionBackend:
    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user_obj, perm, obj=None):
        if obj is not None or not user_obj.is_active:
            return False
        if perm in SUPERUSER_ONLY_PERMS or perm.split(".", 1)[0] in SUPERUSER_ONLY_APPS:
            return False
        return resolve_scope(user_obj).write_all

    def has_module_perms(self, user_obj, app_label):
        if app_label in SUPERUSER_ONLY_APPS:
            return False
        return user_obj.is_active and resolve_scope(user_obj).write_all
