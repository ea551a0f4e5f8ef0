"""Which streets' records changed since the dashboard's last refresh (the hourly job recomputes only those).

Every model a figure reads is listed in SOURCES with its way to the organization tree (a lookup prefix ending
at OrgNode, as the figures' `ctx.q(prefix)`). A save or delete of such a record marks it, after the
transaction commits, in a Redis set; the marks cost no query when the record is written: only the first hop
is noted ("node 12", or "servicecenters.Room 7 via center__street__"), and the job turns the marks into street
paths with one query per kind of mark (`dirty_streets`).

What this does NOT see, and why the job still recomputes everything once a night (jobs.py):
- `queryset.update()`, `bulk_create()`/`bulk_update()` and raw SQL send no signals (imports, seeding);
- a mark lost while Redis is down (the cache fails open, core.cache);
- a figure that reads a model missing here (add it here when you add a figure reading a new model).
A record with no place in the tree (a district-wide ranking snapshot, a contest) marks everything.
"""

from django.apps import apps
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from grids.models import OrgNode

KEY = "dashboard:dirty"
ALL = "*"

#: model label -> lookup prefix to OrgNode ("" for OrgNode itself, None for "changes everything").
SOURCES = {
    "grids.OrgNode": "",
    "members.Member": "org__",
    "dues.DuesPayment": "member__org__",
    "community.DuesRefund": "org__node__",
    "accountability.ContactPoint": "org__",
    "accountability.ContactVisit": "point__org__",
    "servicecenters.ServiceCenter": "street__",
    "servicecenters.Room": "center__street__",
    "servicecenters.Booking": "room__center__street__",
    "participation.ResidentRequest": "community__",
    "participation.Signup": "activity__center__street__",
    "participation.VolunteerHours": "membership__team__node__",
    "participation.Match": "need__node__",
    "learning.LessonRead": "member__org__",
    "learning.PracticeAnswer": "member__org__",
    "learning.ContestAttempt": "member__org__",
    "learning.Contest": None,
    "assessment.RankingSnapshot": None,
    "assessment.RankingRow": None,
}


def sources():
    """(model, prefix) of every source installed; community's records on a node (NodeRecord) are all sources."""
    found = {}
    for label, prefix in SOURCES.items():
        try:
            found[apps.get_model(label)] = prefix
        except LookupError:  # an optional app that is not installed
            continue
    from community.models import NodeRecord

    for model in apps.get_models():
        if issubclass(model, NodeRecord):
            found.setdefault(model, "node__")
    return found


def _token(instance, prefix):
    if prefix is None:
        return ALL
    if prefix == "":
        return f"p:{instance.path}"
    first, _, rest = prefix.partition("__")
    field = instance._meta.get_field(first)
    value = getattr(instance, field.attname)
    if value is None:
        return None
    if field.related_model is OrgNode:
        return f"n:{value}"
    return f"r:{field.related_model._meta.label}:{value}:{rest}"


def _add(token):
    try:
        client = cache._cache.get_client(KEY, write=True)  # Redis: one SADD, safe against concurrent writers
        client.sadd(cache.make_and_validate_key(KEY), token)
    except AttributeError:  # a local cache (development, tests without Redis)
        marks = cache.get(KEY) or set()
        cache.set(KEY, marks | {token}, None)
    except Exception:  # noqa: BLE001 - Redis down: the nightly full refresh catches up
        pass


def mark(instance, prefix):
    token = _token(instance, prefix)
    if token is not None:
        transaction.on_commit(lambda: _add(token))


def marks():
    try:
        client = cache._cache.get_client(KEY)
        return {m.decode() if isinstance(m, bytes) else m for m in client.smembers(cache.make_and_validate_key(KEY))}
    except AttributeError:
        return set(cache.get(KEY) or ())
    except Exception:  # noqa: BLE001 - Redis down: marks may be lost, so everything counts as changed
        return {ALL}


def clear(done):
    """Drop the marks the job has handled (marks added meanwhile stay for the next run)."""
    if not done:
        return
    try:
        client = cache._cache.get_client(KEY, write=True)
        client.srem(cache.make_and_validate_key(KEY), *done)
    except AttributeError:
        cache.set(KEY, (cache.get(KEY) or set()) - set(done), None)
    except Exception:  # noqa: BLE001 - the next run handles them again (idempotent)
        pass


def street_of(path):
    """"/JS01/JS0102/" -> "/JS01/" (the district's own root has no street: it returns None)."""
    code = path.strip("/").split("/")[0]
    return f"/{code}/" if code else None


def dirty_streets(tokens):
    """The street paths the marks point at, or ALL when something district-wide changed or a mark is lost."""
    if ALL in tokens:
        return ALL
    paths, node_ids, refs = set(), set(), {}
    for token in tokens:
        kind, _, rest = token.partition(":")
        if kind == "p":
            paths.add(rest)
        elif kind == "n":
            node_ids.add(int(rest))
        elif kind == "r":
            label, pk, via = rest.split(":", 2)
            refs.setdefault((label, via), set()).add(pk)
    paths.update(OrgNode.objects.filter(pk__in=node_ids).values_list("path", flat=True))
    for (label, via), pks in refs.items():
        found = apps.get_model(label).objects.filter(pk__in=pks).values_list("pk", f"{via}path")
        rows = list(found)
        if len({str(pk) for pk, _path in rows}) < len(pks):
            # The record it hung from is gone too: its own deletion marked its street only if it is a source.
            return ALL
        paths.update(p for _pk, p in rows if p)
    return {s for s in map(street_of, paths) if s}


def connect():
    for model, prefix in sources().items():
        def receiver(sender, instance, _prefix=prefix, **kwargs):
            mark(instance, _prefix)

        uid = f"dashboard-changes-{model._meta.label}"
        post_save.connect(receiver, sender=model, weak=False, dispatch_uid=uid + "-save")
        post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=uid + "-delete")
