"""Data scope: what a user may see and change. The one place that decides it.

A role granted on a tree node covers that node's subtree. The subtree is a prefix of the node's
materialised path, so a user's whole scope is a handful of path prefixes, read once per request
(one query: the user's grants UNION their guardian object permissions) and turned into
`path LIKE 'prefix%'` conditions that every selector applies.
"""

import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import BigIntegerField, Q, Value

from .models import NODE_ROLES, OrgNodeUserObjectPermission, Role, RoleGrant

_CACHE_ATTR = "_jinshui_scope"

#: Roles that see the whole district.
DISTRICT_READ_ROLES = {Role.DISTRICT_STAFF, Role.INSPECTOR}
#: Roles that may change anything in the district.
DISTRICT_WRITE_ROLES = {Role.DISTRICT_STAFF}


@dataclass(frozen=True)
class Scope:
    """The resolved scope of one user."""

    user_id: int | None
    roles: frozenset = frozenset()
    read_all: bool = False
    write_all: bool = False
    read_paths: tuple = ()
    write_paths: tuple = ()
    grant_paths: dict = field(default_factory=dict)
    #: Service centers the user works at (role center_staff); district staff work at every center.
    center_ids: tuple = ()

    @property
    def is_staff_user(self):
        """Whether the user works on the tree at all (admin, dashboard, member records)."""
        return self.read_all or bool(self.read_paths)

    @property
    def writes_anywhere(self):
        """Whether the user may change records somewhere on the tree (inspectors read only)."""
        return self.write_all or bool(self.write_paths)

    def has_role(self, role):
        return role in self.roles

    def _q(self, paths, all_, prefix):
        if all_:
            return Q()
        if not paths:
            return Q(pk__in=[])
        condition = Q()
        for path in paths:
            condition |= Q(**{f"{prefix}path__startswith": path})
        return condition

    def nodes_q(self, *, write=False, prefix=""):
        """A Q on OrgNode (or, with a prefix such as "org__", on a model pointing at one)."""
        if write:
            return self._q(self.write_paths, self.write_all, prefix)
        return self._q(self.read_paths, self.read_all, prefix)

    def covers_path(self, path, *, write=False):
        if write:
            return self.write_all or any(path.startswith(p) for p in self.write_paths)
        return self.read_all or any(path.startswith(p) for p in self.read_paths)

    def covers(self, node, *, write=False):
        return node is not None and self.covers_path(node.path, write=write)

    def is_grant_root(self, node):
        """True when the node is exactly where a role was granted (its holder may not move or delete it)."""
        return not self.write_all and node.path in self.grant_paths


def _minimal(paths):
    """Drop paths already covered by a shorter one."""
    kept = []
    for path in sorted(set(paths), key=len):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return tuple(sorted(kept))


_GENERATION_KEY = "scope:generation"
log = logging.getLogger(__name__)


def _shared_seconds():
    """How long the shared cache (Redis) keeps a user's resolved scope (settings.SCOPE_CACHE_SECONDS; 0: not at
    all). Every change of a grant, an object permission or a node drops it at once (connect_invalidation); the
    expiry only bounds what a bulk write that sends no signal (a queryset .update()) could leave stale."""
    return getattr(settings, "SCOPE_CACHE_SECONDS", 0)


def _shared_key(user_id):
    return f"scope:user:{user_id}"


def _version_key(user_id):
    return f"scope:version:{user_id}"


def _shared_get(user_id):
    """(stored scope or None, the versions it must carry): a stored scope counts only if it was computed at the
    current generation and the user's current version (both raised on every change, never reset, so that a
    scope computed while a grant changed is never taken for fresh)."""
    keys = [_shared_key(user_id), _GENERATION_KEY, _version_key(user_id)]
    try:
        found = cache.get_many(keys)
    except Exception as exc:  # noqa: BLE001 — a cache that fails: read the grants, as without one
        log.warning("scope cache not read: %s", exc)
        return None, None
    versions = (found.get(_GENERATION_KEY, 0), found.get(_version_key(user_id), 0))
    stored = found.get(_shared_key(user_id))
    if stored is None or stored[0] != versions:
        return None, versions
    return stored[1], versions


def resolve_scope(user):
    """The scope of a user: kept on the user object for the request, and in the shared cache between requests
    (one cache read per request; the grants query only after a grant of theirs changed)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope(user_id=None)
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = Scope(user_id=user.pk, roles=frozenset({Role.DISTRICT_STAFF}), read_all=True, write_all=True)
        setattr(user, _CACHE_ATTR, scope)
        return scope
    seconds = _shared_seconds()
    scope, versions = _shared_get(user.pk) if seconds else (None, None)
    if scope is None:
        scope = _compute_scope(user)
        if versions is not None:
            try:
                cache.set(_shared_key(user.pk), (versions, scope), seconds)
            except Exception as exc:  # noqa: BLE001
                log.warning("scope cache not written: %s", exc)
    setattr(user, _CACHE_ATTR, scope)
    return scope


def _compute_scope(user):

    grants = RoleGrant.objects.filter(user_id=user.pk).values_list("role", "node__path", "center_id")
    exceptions = (
        OrgNodeUserObjectPermission.objects.filter(
            user_id=user.pk, permission__codename__in=["view_orgnode", "change_orgnode"]
        )
        .annotate(no_center=Value(None, output_field=BigIntegerField()))
        .values_list("permission__codename", "content_object__path", "no_center")
    )
    rows = list(grants.union(exceptions, all=True))

    roles, read_paths, write_paths, grant_paths, center_ids = set(), [], [], {}, []
    for kind, path, center_id in rows:
        if center_id is not None:
            center_ids.append(center_id)
        if kind == "view_orgnode":
            read_paths.append(path)
        elif kind == "change_orgnode":
            read_paths.append(path)
            write_paths.append(path)
        else:
            roles.add(Role(kind))
            if kind in NODE_ROLES and path:
                read_paths.append(path)
                write_paths.append(path)
                grant_paths[path] = Role(kind)
    scope = Scope(
        user_id=user.pk,
        roles=frozenset(roles),
        read_all=bool(roles & DISTRICT_READ_ROLES),
        write_all=bool(roles & DISTRICT_WRITE_ROLES),
        read_paths=_minimal(read_paths),
        write_paths=_minimal(write_paths),
        grant_paths=grant_paths,
        center_ids=tuple(sorted(set(center_ids))),
    )
    return scope


def forget_scope(user):
    """Drop the cached scope (after the user's grants changed): on this object and in the shared cache."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
    forget_scope_of(user.pk)


def _bump_now(key):
    try:
        try:
            cache.incr(key)
        except ValueError:  # not there yet (or expired): any value other than the one a stored scope carries
            cache.set(key, time.time_ns(), None)
    except Exception as exc:  # noqa: BLE001 — a cache that fails holds nothing to drop (stale at most until expiry)
        log.warning("scope cache version %s not raised: %s", key, exc)


def _bump(key):
    """Raise a version now and again once the surrounding transaction commits: a request that read the old grants
    in between stored its scope under the version of the first raise, which the second makes stale."""
    _bump_now(key)
    transaction.on_commit(lambda: _bump_now(key))


def forget_scope_of(user_id):
    """The shared cache's scope of one user is out of date (their next request reads their grants again)."""
    if user_id is not None:
        _bump(_version_key(user_id))


def forget_all_scopes():
    """Every stored scope is out of date (a node moved: the paths of its subtree changed)."""
    _bump(_GENERATION_KEY)


def connect_invalidation():
    """Drop stored scopes when what they are made of changes: a role grant or an object permission (that
    user's), or a node of the tree (a move changes the paths of its subtree: everyone's). Called from
    AccountsConfig.ready; the tree's model is named by its label, the floor above is not imported."""
    from django.db.models.signals import post_delete, post_save

    def user_changed(sender, instance, **kwargs):
        forget_scope_of(instance.user_id)

    def tree_changed(sender, instance, created=False, **kwargs):
        if not created:
            forget_all_scopes()

    for model in (RoleGrant, OrgNodeUserObjectPermission):
        post_save.connect(user_changed, sender=model, dispatch_uid=f"scope-{model.__name__}-save", weak=False)
        post_delete.connect(user_changed, sender=model, dispatch_uid=f"scope-{model.__name__}-delete", weak=False)
    post_save.connect(tree_changed, sender="grids.OrgNode", dispatch_uid="scope-orgnode-save", weak=False)
    post_delete.connect(tree_changed, sender="grids.OrgNode", dispatch_uid="scope-orgnode-delete", weak=False)


# --- named rules: every "who may" question of the portal is answered here --------------------------


def is_district(user):
    """District staff: may change anything in the district."""
    return resolve_scope(user).write_all


def requires_second_factor(user):
    """Must sign in with a second factor (an authenticator app's code, or a recovery code): district staff,
    inspectors and everyone who may change member records and so reveal personal data (street and community
    secretaries, grid leaders, holders of a change exception on a node). Residents and service-center staff are
    not asked. Enforced by accounts.middleware and the API token endpoint while `settings.OTP_REQUIRED` is on."""
    if user is None or not user.is_authenticated:
        return False
    scope = resolve_scope(user)
    return bool(user.is_superuser or scope.read_all or scope.writes_anywhere)


def is_resident_account(user):
    """A resident's own account: active, not staff, holding the resident role and no role or exception on the tree
    or a center (the only kind staff may link to a party member record)."""
    if user is None or not user.is_active or user.is_staff or user.is_superuser:
        return False
    scope = resolve_scope(user)
    return scope.roles == frozenset({Role.RESIDENT}) and not scope.read_paths and not scope.center_ids


def is_inspector(user):
    """May inspect units (inspectors, and district staff who stand in for them)."""
    scope = resolve_scope(user)
    return scope.write_all or scope.has_role(Role.INSPECTOR)


def manages_center(user, center_id):
    """Whether the user runs this service center (its staff, or district staff for every center)."""
    scope = resolve_scope(user)
    return scope.write_all or center_id in scope.center_ids


def works_at_centers(user, *, read=False):
    """Whether the user runs any service center (center staff or district staff); with `read=True`, whether
    they may look at the centers' staff side at all (inspectors too, read only)."""
    scope = resolve_scope(user)
    return (scope.read_all if read else scope.write_all) or bool(scope.center_ids)


def managed_centers_q(user, *, prefix="", read=False):
    """A Q on ServiceCenter (or, with a prefix such as "room__center_", on a model pointing at one) cut to the
    centers the user runs (with `read=True`: whose staff side they may look at, inspectors seeing all).

    Every center: the empty Q(), which is falsy, so that a caller OR-ing it with another condition can tell.
    """
    scope = resolve_scope(user)
    if scope.read_all if read else scope.write_all:
        return Q()
    return Q(**{f"{prefix}id__in": scope.center_ids}) if scope.center_ids else Q(pk__in=[])


#: The roles that lead a node of the tree (told about its deadlines and duties).
LEADER_ROLES = (Role.STREET_SECRETARY, Role.COMMUNITY_SECRETARY, Role.GRID_LEADER)


def node_leaders(*, node_ids=None, paths=None, roles=LEADER_ROLES):
    """The active users leading the given nodes, in one query: {node id: [users]} when asked by id,
    {node path: [users]} when asked by path."""
    grants = RoleGrant.objects.filter(role__in=[str(r) for r in roles], user__is_active=True)
    if node_ids is not None:
        grants = grants.filter(node_id__in=set(node_ids))
    if paths is not None:
        grants = grants.filter(node__path__in=set(paths))
    leaders = {}
    for grant in grants.select_related("user", "node").order_by("user_id"):
        leaders.setdefault(grant.node.path if paths is not None else grant.node_id, []).append(grant.user)
    return leaders


def users_with_role(role):
    """Active users holding a district-wide role (district staff, inspectors), oldest account first."""
    from django.contrib.auth import get_user_model

    return list(get_user_model().objects.filter(is_active=True, role_grants__role=role).distinct().order_by("pk"))


def reads_district(user):
    """Sees the whole district (district staff and inspectors): the unannounced inspection plan, every level."""
    return resolve_scope(user).read_all


def holds_role(user, role):
    """Whether the user holds `role` itself (granted anywhere; district staff do not stand in for it)."""
    return resolve_scope(user).has_role(role)


def role_paths(user, role):
    """The paths of the nodes where the user was granted `role` (e.g. the streets they are secretary of)."""
    return [path for path, granted in resolve_scope(user).grant_paths.items() if granted == role]


def writes_above(user, node, level):
    """Whether the user may change things at `node`'s ancestor of tree `level` (its street, its community), or
    higher up: e.g. only the community, the street or the district propose for a grid's organization."""
    codes = node.path.strip("/").split("/")
    return resolve_scope(user).covers_path("/" + "/".join(codes[:level]) + "/", write=True)


def within_or_above_q(user, *, prefix=""):
    """A Q on nodes (through `prefix`) in the user's area or on the way up from it: what is organized for them
    (a community's members attend their street's classes)."""
    scope = resolve_scope(user)
    if scope.read_all:
        return Q()
    above = Q()
    for path in scope.read_paths:
        parts = path.strip("/").split("/")
        above |= Q(**{f"{prefix}path__in": ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]})
    return scope.nodes_q(prefix=prefix) | above


# --- accountability: duty reports, reviews, committees ----------------------------------------------


def leads_unit(user, node):
    """Whether the user speaks for a unit itself (writes its duty report 述职): the secretary granted on that very
    node, or district staff on its behalf. The street above reviews, it does not write the community's report."""
    scope = resolve_scope(user)
    return node is not None and (scope.write_all or node.path in scope.grant_paths)


def reviews_from_above(user, node):
    """The level above a unit (评议, interviews): district staff for a street, the street (or the district) for a
    community, the community (or above) for a grid."""
    if node is None:
        return False
    if node.level <= 1:
        return is_district(user)
    return writes_above(user, node, node.level - 1)


def keeps_unit_records(user, node):
    """Whether the user keeps a unit's standing records (committee, terms, the street's reserve-cadre pool): write
    scope over the node, i.e. the unit itself, any level above it, or district staff."""
    return node is not None and resolve_scope(user).covers(node, write=True)


# --- residents taking part (participation): requests, activities, teams, the 智库 ---------------------------


def handles_requests_at(user, node):
    """Whether the user accepts, routes, answers and closes residents' requests raised in `node`'s community: its
    secretary and everyone above (the street, the district); inspectors read only."""
    return node is not None and resolve_scope(user).covers(node, write=True)


def handles_routed_request(user, node, center_id):
    """Whether the user may work on a request of `node`'s community routed to service center `center_id`: the
    community's side (handles_requests_at), or the staff of the center it was routed to."""
    return handles_requests_at(user, node) or (center_id is not None and manages_center(user, center_id))


def requests_q(user, *, node_prefix="community__", center_field="center_id", owner_field="resident_id"):
    """A Q on residents' requests the user may see: their own, those of the communities in their scope, and those
    routed to a center they run. District staff and inspectors: every request (the empty Q())."""
    scope = resolve_scope(user)
    if scope.read_all:
        return Q()
    condition = Q(**{owner_field: user.pk})
    if scope.read_paths:
        condition |= scope.nodes_q(prefix=node_prefix)
    if scope.center_ids:
        condition |= Q(**{f"{center_field}__in": scope.center_ids})
    return condition


def publishes_activities_at(user, center_id):
    """Whether the user publishes, changes and checks in a service center's activities: its staff and district
    staff (the same people who run its rooms)."""
    return manages_center(user, center_id)


def runs_team_at(user, node, *, leader_id=None):
    """Whether the user keeps a volunteer team's roster and hours: the team's leader, or whoever writes at the node
    the team belongs to (its community's secretary, the street, the district)."""
    return (leader_id is not None and user.pk == leader_id) or resolve_scope(user).covers(node, write=True)


def brokers_resources_at(user, node):
    """Whether the user posts a community's needs, offers a resource located at `node`, and proposes, agrees and
    closes matches there (the 智库): whoever writes at that node."""
    return node is not None and resolve_scope(user).covers(node, write=True)


def offers_for_partner(user, center_id):
    """Whether the user offers resources to the 智库 for a partner organization running service center
    `center_id`, and answers the matches proposed for them: that center's staff (the partner's social workers) and
    district staff."""
    return center_id is not None and manages_center(user, center_id)


def answers_for_resource(user, node, partner_center_id=None):
    """Whether the user agrees to or declines a match on the resource's side: whoever writes at the resource's node,
    or, for a partner organization's resource, its center's staff."""
    return brokers_resources_at(user, node) or offers_for_partner(user, partner_center_id)


def uses_thinktank(user):
    """Whether the user has the 智库's staff pages at all: anyone with a place on the tree (secretaries, grid leaders,
    district staff, inspectors reading) or a service center (its partner's offers)."""
    scope = resolve_scope(user)
    return scope.is_staff_user or bool(scope.center_ids)


def thinktank_q(user, *, node_prefix, partner_center_field=None):
    """A Q on the 智库's records the user may see: those located in their area (`node_prefix`, e.g. "node__" or
    "need__node__"), and, with `partner_center_field`, those of the partners of the centers they run. District staff
    and inspectors: all (the empty Q())."""
    scope = resolve_scope(user)
    if scope.read_all:
        return Q()
    condition = scope.nodes_q(prefix=node_prefix) if scope.read_paths else Q(pk__in=[])
    if partner_center_field and scope.center_ids:
        condition |= Q(**{f"{partner_center_field}__in": scope.center_ids})
    return condition
