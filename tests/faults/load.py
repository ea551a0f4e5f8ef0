"""The portal's web side and beat under a write load, as a process of its own, for the PostgreSQL restart test:

    python -m tests.faults.load ITERATIONS USERNAME

Each iteration is one "request" (connections checked first, as Django does at a request's start): in one
transaction, a background import of three new members and the daily booking job for a day of its own, both
handed over through the outbox. A request that fails on the database is reported, not retried (the person
would submit again). Then it sweeps the outbox every half second (as beat's relay does every minute) until every
row is done. It prints one line per request ("ok N" or "error N ...") and a last line of JSON.
"""

import datetime
import json
import sys
import time


def main(iterations, username):
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import DatabaseError, close_old_connections, transaction

    from jobs.models import Outbox, OutboxState
    from jobs.outbox import sweep
    from jobs.queue import enqueue
    from members.imports.engine import import_start
    from tests.members.test_import import row, xlsx_bytes

    settings.JOBS_SEND_GRACE_SECONDS = 0
    user = get_user_model().objects.get(username=username)
    acknowledged, failed = [], []
    for i in range(iterations):
        close_old_connections()
        content = xlsx_bytes([row(100 + 3 * i + k) for k in range(3)])
        try:
            with transaction.atomic():
                import_start(actor=user, upload=SimpleUploadedFile(f"load-{i}.xlsx", content))
                enqueue("servicecenters.daily", day(i))
            acknowledged.append(i)
            print(f"ok {i}", flush=True)
        except DatabaseError as exc:
            failed.append(i)
            print(f"error {i} {type(exc).__name__}", flush=True)
        time.sleep(0.25)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        close_old_connections()
        try:
            sweep()
            if not Outbox.objects.exclude(state=OutboxState.DONE).exists():
                break
        except DatabaseError:
            pass
        time.sleep(0.5)
    print(json.dumps({"acknowledged": acknowledged, "failed": failed}), flush=True)


def day(i):
    return (datetime.date(2026, 1, 1) + datetime.timedelta(days=i)).isoformat()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
