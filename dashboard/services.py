"""The dashboard's figures, computed per scope, kept in the cache and refreshed by the hourly job.

A request reads the cache (no figure query). On a cold cache the figures of that scope are computed once
and stored; the scope's key is then remembered so that the job keeps it fresh. The job
(`dashboard.refresh_figures`, see jobs.py) recomputes the district and the streets and remembered scopes whose
records changed (changes.py), every hour, and all of them once a night.
Users with the same scope share one entry: the key is made of the scope's path prefixes, not the user.
"""

import hashlib
import time

from django.core.cache import cache
from django.utils import timezone

from accounts.scopes import Scope, resolve_scope
from core.replica import replica_reads
from grids.models import Level, OrgNode

from .registry import ComputeContext, figures

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


def compute(scope):
    """Compute every registered figure over `scope` (the heavy part: a dozen grouped queries)."""
    ctx = ComputeContext(scope=scope)
    if scope.read_all:
        label = {"district": True, "names": []}
    else:
        names = list(OrgNode.objects.filter(path__in=scope.read_paths).order_by("path").values_list("name", flat=True))
        label = {"district": False, "names": names}
    data = {figure.key: figure.compute(ctx) for figure in figures()}
    years = sorted({year for d in data.values() if isinstance(d, dict) for year in d.get("years", [])})
    return {
        "version": VERSION,
        "scope": label,
        "paths": list(scope.read_paths),
        "computed_at": timezone.now().isoformat(),
        "years": years,
        "figures": data,
    }


def store(scope, payload=None):
    payload = payload if payload is not None else compute(scope)
    cache.set(scope_key(scope), payload, TIMEOUT)
    return payload


def fragment_key(payload, year):
    """The key of the cards' rendered HTML: the payload's scope and computation, the language, the year."""
    from django.utils.translation import get_language

    digest = hashlib.sha1("|".join(payload["paths"]).encode(), usedforsecurity=False).hexdigest()[:16]
    district = "district" if payload["scope"]["district"] else digest
    return f"v{VERSION}:{district}:{get_language()}:{year}:{payload['computed_at']}"


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
    computed = 0
    for key, scope in scopes.items():
        if _touches(scope, streets) or not (_fresh(cache.get(key)) and cache.touch(key, TIMEOUT)):
            store(scope)
            computed += 1
    return {"scopes": len(scopes), "computed": computed}
