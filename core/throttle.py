"""Counting tries in the database: "at most N tries per hour" for one key (an account, an address, a person's
details), shared by every web process and independent of Redis (a Redis outage neither opens nor breaks it).

Keys are opaque strings; put no personal data in them (hash it: `hashed_key`).
"""

import datetime
import hashlib
import hmac

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from .models import ThrottleHit

#: Rows older than this are deleted as new ones are written.
KEEP = datetime.timedelta(days=1)


def hashed_key(prefix, *parts):
    """`prefix:` followed by a keyed hash of the parts (so that the table holds no ID-card number or name)."""
    digest = hmac.new(settings.SECRET_KEY.encode(), "\x1f".join(str(p) for p in parts).encode(), hashlib.sha256)
    return f"{prefix}:{digest.hexdigest()[:40]}"


def counts(keys, *, window, now=None):
    """{key: tries within `window` (a timedelta) before now} for the given keys, in one query."""
    now = now or timezone.now()
    rows = (ThrottleHit.objects.filter(key__in=list(keys), at__gt=now - window)
            .values("key").annotate(n=Count("id")).order_by())
    found = {row["key"]: row["n"] for row in rows}
    return {key: found.get(key, 0) for key in keys}


def exceeded(limits, *, window, now=None):
    """Whether any key has reached its limit: `limits` maps key → allowed tries within `window`."""
    seen = counts(limits.keys(), window=window, now=now)
    return any(seen[key] >= limit for key, limit in limits.items())


def record(*keys, now=None):
    """Count one try against each key (and forget tries older than KEEP)."""
    now = now or timezone.now()
    ThrottleHit.objects.bulk_create([ThrottleHit(key=key, at=now) for key in keys])
    ThrottleHit.objects.filter(at__lt=now - KEEP).delete()


def clear(*keys):
    ThrottleHit.objects.filter(key__in=keys).delete()
