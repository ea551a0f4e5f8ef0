"""The dashboard's figures, computed per scope, kept in the cache and refreshed by the hourly job.

A request reads the cache (no figure query). On a cold cache the figures of that scope are computed once
and stored; the scope's key is then remembered so that the job keeps it fresh. The job
(`dashboard.refresh_figures`, see jobs.py) recomputes the district and the streets and remembered scopes whose
records changed (changes.py), every hour, and all of them once a night.
Users with the same scope share one entry: the key is made of the scope's path prefixes, not the user.
"""

import contextlib
import hashlib
import time

from django.core.cache import cache
from django.db import connections, router, transaction
from django.utils import timezone

from accounts.scopes import Scope, resolve_scope
from core.replica import replica_reads
from grids.models import Level, OrgNode

from .registry import BulkContext, ComputeContext, figures

VERSION = 2
#: Entries outlive two job periods, so that a late job never leaves a page cold.
TIMEOUT = 3 * 60 * 60
_KNOWN_KEY = f"dashboard:v{VERSION}:known-scopes"
_KNOWN_LIMIT = 5000
LOCK_WAIT = 20


def scope_key(scope):
    """The cache key of a scope: the district, or its path prefixes."""
    if scope.read_all:
        return f"dashboard:v{VERSION}:district"
    digest = hashlib.sha1("|".join(sorted(scope.read_paths)).encode(), usedforsecurity=False).hexdigest()[:16]
    return f"dashboard:v{VERSION}:paths:{digest}"


def district_scope():
    return Scope(user_id=None, read_all=True)


def paths_scope(paths):
    return Scope(user_id=None, read_paths=tuple(sorted(paths)))


#: The planner's cost of a random page read while computing a scope below the district (PostgreSQL's default, 4,
#: is a disk's): a street's figures read a few thousand rows scattered over tables that sit in memory, and at 4 the
#: planner prefers scanning the whole district's table to following the indexes from the street's nodes.
SUBTREE_RANDOM_PAGE_COST = "1.1"
#: ... and the memory of one sort or hash there: a street's rows fit in it, a hash of the whole district's reads
#: (the planner's other way of checking "has this member read a lesson") does not, so it is not chosen.
SUBTREE_WORK_MEM = "2MB"


@contextlib.contextmanager
def subtree_planning(scope):
    """Within this block, the queries of a scope below the district follow the indexes from its nodes: planner
    settings local to the block's transaction (put back by hand when it is a savepoint in an outer one). The
    district's own plans are left alone."""
    using = router.db_for_read(OrgNode) or "default"
    if scope.read_all or connections[using].vendor != "postgresql":
        yield
        return
    outer = connections[using].in_atomic_block
    with transaction.atomic(using=using):
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT current_setting('random_page_cost'), current_setting('work_mem'), "
                           "set_config('random_page_cost', %s, true), set_config('work_mem', %s, true)",
                           [SUBTREE_RANDOM_PAGE_COST, SUBTREE_WORK_MEM])
            previous = cursor.fetchone()[:2]
        try:
            yield
        finally:
            if outer:  # inside an outer transaction (a test, a request run atomically) they would outlive this block
                with connections[using].cursor() as cursor:
                    cursor.execute("SELECT set_config('random_page_cost', %s, true), "
                                   "set_config('work_mem', %s, true)", list(previous))


def compute(scope, *, ready=None, names=None):
    """Compute every registered figure over `scope` (the heavy part: a few grouped queries per figure).

    `ready`: {figure key: data} already computed for this scope (by `compute_many`); `names`: the names of its
    nodes, when already read."""
    ready = ready or {}
    if all(figure.key in ready for figure in figures()):  # nothing left to query: no planner settings to set
        return _compute(scope, ready, names)
    with subtree_planning(scope):
        return _compute(scope, ready, names)


def _compute(scope, ready, names):
    ctx = ComputeContext(scope=scope)
    if scope.read_all:
        label = {"district": True, "names": []}
    else:
        if names is None:  # read with the scope's node ids (the figures' condition)
            roots = set(scope.read_paths)
            names = [name for _pk, path, name in ctx.nodes if path in roots]
        label = {"district": False, "names": names}
    data = {figure.key: ready[figure.key] if figure.key in ready else figure.compute(ctx) for figure in figures()}
    years = sorted({year for d in data.values() if isinstance(d, dict) for year in d.get("years", [])})
    return {
        "version": VERSION,
        "scope": label,
        "paths": list(scope.read_paths),
        "computed_at": timezone.now().isoformat(),
        "years": years,
        "figures": data,
    }


#: The scopes of one level (streets, communities) due for a refresh are computed in bulk from this many on, and
#: when they are at least 1/BULK_SHARE of that level's nodes: a grouped query reads the whole district, which pays
#: off for the night's every street, not for the few streets an hour changes.
BULK_FROM = 8
BULK_SHARE = 20


def _unit_level(scope):
    """The level of a scope made of one street or one community (its path's depth), else None."""
    if scope.read_all or len(scope.read_paths) != 1:
        return None
    depth = scope.read_paths[0].count("/") - 1
    return depth if depth in (Level.STREET, Level.COMMUNITY) else None


def compute_many(scopes):
    """{scope key: payload} of `scopes`, the same as `compute` gives each of them, with the figures that can
    (Figure.bulk) computed once for all the streets, and once for all the communities, among them (when there are
    enough of them, see BULK_FROM): one grouped query per figure's query instead of one per scope. The other
    figures, and scopes of another shape, are computed scope by scope."""
    by_level = {}
    for scope in scopes:
        if (level := _unit_level(scope)) is not None:
            by_level.setdefault(level, []).append(scope)
    payloads = {}
    for level, group in by_level.items():
        if len(group) < BULK_FROM or len(group) < OrgNode.objects.filter(level=level).count() // BULK_SHARE:
            continue
        units = BulkContext(level=level, paths=tuple(scope.read_paths[0] for scope in group))
        ready = {figure.key: figure.compute(units) for figure in figures() if figure.bulk}
        # A figure that failed in bulk (an optional one gives None, see optional._guarded) is computed scope by scope.
        ready = {key: data for key, data in ready.items() if data is not None}
        names = dict(OrgNode.objects.filter(level=level).values_list("path", "name"))
        for scope in group:
            path = scope.read_paths[0]
            payloads[scope_key(scope)] = compute(
                scope, ready={key: data[path] for key, data in ready.items()},
                names=[names[path]] if path in names else [])
    for scope in scopes:
        key = scope_key(scope)
        if key not in payloads:
            payloads[key] = compute(scope)
    return payloads


def store(scope, payload=None):
    payload = payload if payload is not None else compute(scope)
    cache.set(scope_key(scope), payload, TIMEOUT)
    return payload


#: Raised when the page's markup (dashboard/_content.html, the figures' presentation) changes shape, so that a
#: deployment does not serve content rendered by the previous code until the scope's next computation.
PAGE_VERSION = 1


def page_key(scope, year):
    """The key of a scope's rendered page content (its heading, year choice and cards) in the active language for
    `year`: shared by every user of that scope, as the figures are. It holds (the computation's time, the HTML)."""
    from django.utils.translation import get_language

    return f"{scope_key(scope)}:page{PAGE_VERSION}:{get_language()}:{year}"


def cached_page(*, user, year):
    """(payload, html or None): the figures of `user`'s scope (figures_for) and, when it was rendered from this
    very computation, its page content for `year` in the active language, both read in one cache round trip.
    None: the content is to be rendered from the payload and kept (keep_page)."""
    scope = resolve_scope(user)
    key, content_key = scope_key(scope), page_key(scope, year)
    found = cache.get_many([key, content_key])
    payload = found.get(key)
    if not _fresh(payload):
        return figures_for(user=user), None
    kept = found.get(content_key)
    if kept is None or kept[0] != payload["computed_at"]:
        return payload, None
    return payload, kept[1]


def keep_page(*, user, year, payload, html):
    """Keep the page content rendered from `payload` (see cached_page); a new computation makes it stale."""
    cache.set(page_key(resolve_scope(user), year), (payload["computed_at"], str(html)), TIMEOUT)


def _remember(scope):
    if scope.read_all:
        return
    known = cache.get(_KNOWN_KEY) or {}
    key = scope_key(scope)
    if key not in known and len(known) < _KNOWN_LIMIT:
        known[key] = list(scope.read_paths)
        cache.set(_KNOWN_KEY, known, None)


def known_scopes():
    """Scopes whose figures someone asked for (beyond the district and the streets)."""
    return [paths_scope(paths) for paths in (cache.get(_KNOWN_KEY) or {}).values()]


def _fresh(payload):
    return payload is not None and payload.get("version") == VERSION


def figures_for(*, user):
    """The cached figures of `user`'s scope (computed and stored once if the cache is cold).

    On a cold cache one request computes while the others asking for the same scope wait for its result
    (up to LOCK_WAIT seconds) instead of computing it again.
    """
    scope = resolve_scope(user)
    key = scope_key(scope)
    payload = cache.get(key)
    if _fresh(payload):
        return payload
    lock = f"{key}:computing"
    if not cache.add(lock, 1, LOCK_WAIT):
        deadline = time.monotonic() + LOCK_WAIT
        while time.monotonic() < deadline:
            time.sleep(0.1)
            payload = cache.get(key)
            if _fresh(payload):
                return payload
    try:
        # Only the user's read scope matters: write paths and roles do not change the figures.
        payload = store(district_scope() if scope.read_all else paths_scope(scope.read_paths))
        _remember(scope)
    finally:
        cache.delete(lock)
    return payload


def refresh_all(*, full=True):
    """Recompute the scopes' figures; returns {"scopes": all scopes, "computed": how many were recomputed}.

    `full=False` (the hourly run) recomputes the district, the scopes touching a street whose records changed
    since the last run (dashboard/changes.py) and any scope with no current entry (expired, or a new VERSION
    of the figures); the others keep their entry, its lifetime extended. `full=True` (the nightly run, or
    the marks lost) recomputes every scope. Either is safe to run twice: a second run finds no marks left.

    The figures are read from the read replica when there is one (core.replica): an hourly refresh can live
    with a replica a moment behind, and it takes the heaviest reads off the primary."""
    from . import changes

    tokens = changes.marks()
    streets = changes.ALL if full else changes.dirty_streets(tokens)
    with replica_reads():
        result = _refresh_all(streets)
    # Only the marks read before computing are dropped: a change committed meanwhile keeps its mark for the
    # next run. (A replica lagging behind a marked change shows it only at that street's next change or at
    # night: the lag is seconds, the runs an hour apart.)
    changes.clear(tokens)
    return result


def _touches(scope, streets):
    if streets == "*" or scope.read_all:
        return True
    return any(path.startswith(street) or street.startswith(path) for path in scope.read_paths for street in streets)


def all_scopes():
    scopes = {scope_key(district_scope()): district_scope()}
    for path in OrgNode.objects.filter(level=Level.STREET).order_by("path").values_list("path", flat=True):
        scope = paths_scope([path])
        scopes[scope_key(scope)] = scope
    for scope in known_scopes():
        scopes.setdefault(scope_key(scope), scope)
    return scopes


def _refresh_all(streets):
    scopes = all_scopes()
    due = [scope for key, scope in scopes.items()
           if _touches(scope, streets) or not (_fresh(cache.get(key)) and cache.touch(key, TIMEOUT))]
    for key, payload in compute_many(due).items():
        cache.set(key, payload, TIMEOUT)
    return {"scopes": len(scopes), "computed": len(due)}
