"""Which workbench a signed-in user has: read from their scope (accounts.scopes), the one place of the rules."""

from accounts.models import Role
from accounts.scopes import resolve_scope, works_at_centers


def works_on_tree(user):
    """District staff, inspectors, secretaries and grid leaders: the tree's staff pages are theirs."""
    return resolve_scope(user).is_staff_user


def is_staff_member(user):
    """Whoever has a workbench: everyone working on the tree, and the service centers' staff."""
    if not user.is_authenticated:
        return False
    return works_on_tree(user) or works_at_centers(user)


def workbench_roles(user):
    """The roles whose open work the user's workbench lists, in the order the sections appear."""
    scope = resolve_scope(user)
    roles = []
    if scope.write_all:
        roles.append(Role.DISTRICT_STAFF)
    elif scope.has_role(Role.INSPECTOR):
        roles.append(Role.INSPECTOR)
    if not scope.write_all:
        if scope.has_role(Role.STREET_SECRETARY):
            roles.append(Role.STREET_SECRETARY)
        if scope.has_role(Role.COMMUNITY_SECRETARY) or scope.has_role(Role.GRID_LEADER):
            roles.append(Role.COMMUNITY_SECRETARY)
        if scope.center_ids:
            roles.append(Role.CENTER_STAFF)
    return roles


def granted_nodes(user, role):
    """Paths where `role` was granted to the user (their own street or community)."""
    return [path for path, granted in resolve_scope(user).grant_paths.items() if granted == role]
