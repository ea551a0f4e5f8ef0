#!/usr/bin/env python
"""Benchmark of the booking side: free-room search over a year of bookings, and 50 concurrent
conflicting booking requests behind gunicorn.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jinshui .venv/bin/python bench/bench_booking.py

1. Seeds a scratch database (bench/scratch.py: created here, dropped at the end) with seed_demo, then
   adds a year of bookings to every bookable room of the 22 centers (non-overlapping two-hour blocks).
2. Free-room search "free on <day> from <time> to <time> for <n> people" over all centers: the
   database's own execution time (EXPLAIN ANALYZE) and the ORM call, p50/p95 over --runs random
   queries (goal: p95 < 20 ms in the database); then GET /api/v1/free-rooms/ through Django's test
   client with a token (goal: p95 < 200 ms).
3. Starts gunicorn on 127.0.0.1 only (a free port), and fires --rounds rounds of 50
   simultaneous POST /api/v1/bookings/ for one slot, each by a different resident: exactly one 201 and
   49 × 409 per round are required; p50/p99 latency is printed (goal: p99 < 1 s). Gunicorn runs as in
   docker-compose.yml (3 sync workers) unless --gunicorn says otherwise; it is stopped at the end; at
   most (rounds + 1 warm-up) × 50 requests are sent.
"""

import argparse
import datetime
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from scratch import BASE_DIR, migrate_and_seed, percentile, scratch_database

BLOCKS = (9, 11, 13, 15, 17, 19)


def add_a_year_of_bookings(rng):
    """A booking in about half of the two-hour blocks of every bookable room, 300 days back and 65 ahead."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from servicecenters.models import Booking, BookingStatus, Room

    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    residents = list(get_user_model().objects.filter(username__startswith="resident-").values_list("pk", flat=True))
    rooms = list(Room.objects.filter(bookable=True).values_list("pk", flat=True))
    # seed_demo already filled 28 days back to 14 ahead; fill the rest of the year around it.
    days = [today + datetime.timedelta(days=d) for d in range(-300, 66) if not -28 <= d <= 14]
    now = timezone.now()
    batch, total = [], 0
    for room in rooms:
        for day in days:
            for hour in BLOCKS:
                if rng.random() < 0.5:
                    continue
                start = datetime.datetime.combine(day, datetime.time(hour), tzinfo=tz)
                end = start + datetime.timedelta(hours=rng.choice((1, 2)))
                status = BookingStatus.COMPLETED if end < now else BookingStatus.CONFIRMED
                batch.append(Booking(room_id=room, resident_id=rng.choice(residents), start=start, end=end,
                                     attendees=1, status=status, purpose="bench"))
                if len(batch) >= 10_000:
                    Booking.objects.bulk_create(batch)
                    total += len(batch)
                    batch = []
    Booking.objects.bulk_create(batch)
    return total + len(batch)


def bench_search(rng, runs):
    from django.db import connection
    from django.test import Client
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from servicecenters.selectors import free_rooms

    today = timezone.localdate()
    db_ms, orm_ms, found = [], [], []
    queries = []
    for _ in range(runs):
        day = today + datetime.timedelta(days=rng.randint(-200, 60))
        hour = rng.choice(range(9, 20))
        people = rng.choice((1, 5, 10, 20, 40))
        qs = free_rooms(user=None, day=day, start_time=datetime.time(hour), end_time=datetime.time(hour + 1),
                        people=people)[:100]
        sql, params = qs.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            db_ms.append(plan[0]["Execution Time"] + plan[0].get("Planning Time", 0))
        started = time.perf_counter()
        found.append(len(list(qs)))
        orm_ms.append((time.perf_counter() - started) * 1000)
        queries.append((day, hour, people))

    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="resident-0001")
    token = Token.objects.get_or_create(user=user)[0]
    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https",
                    HTTP_AUTHORIZATION=f"Token {token.key}")
    api_ms = []
    for day, hour, people in queries:
        started = time.perf_counter()
        r = client.get("/api/v1/free-rooms/", {"date": day.isoformat(), "start": f"{hour:02d}:00",
                                               "end": f"{hour + 1:02d}:00", "people": people})
        api_ms.append((time.perf_counter() - started) * 1000)
        assert r.status_code == 200, r.content[:200]
    return db_ms, orm_ms, api_ms, found


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_gunicorn(rounds, worker_args, log):
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from accounts.models import Role, RoleGrant
    from servicecenters.models import Booking, Room

    User = get_user_model()
    users = User.objects.bulk_create([User(username=f"bench-{i:02d}", password="!") for i in range(50)])
    RoleGrant.objects.bulk_create([RoleGrant(user=u, role=Role.RESIDENT) for u in users])
    tokens = [Token.objects.create(user=u).key for u in users]
    room = Room.objects.filter(bookable=True, center__code="SC01", kind="chess").first()
    port = free_port()
    env = {**os.environ, "DB_CONN_MAX_AGE": "60", "LOG_LEVEL": "ERROR"}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "jinshui.wsgi:application", "--bind", f"127.0.0.1:{port}",
         *worker_args, "--log-level", "warning"],
        cwd=BASE_DIR, env=env, stderr=log, stdout=log,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except Exception:  # noqa: BLE001 — not up yet
                time.sleep(0.3)
        tz = timezone.get_current_timezone()
        latencies, outcomes = [], []
        # Round 0 warms up (workers import the app, open their database connections) and is not counted.
        for n in range(rounds + 1):
            # A free evening slot some days ahead (the year of bookings leaves 20:00–21:00 free).
            day = timezone.localdate() + datetime.timedelta(days=20 + n)
            start = datetime.datetime.combine(day, datetime.time(20), tzinfo=tz)
            Booking.objects.filter(room=room, start__lt=start + datetime.timedelta(hours=1),
                                   end__gt=start).delete()
            body = json.dumps({"room": room.pk, "start": start.isoformat(),
                               "end": (start + datetime.timedelta(hours=1)).isoformat(), "attendees": 2,
                               "purpose": "bench"}).encode()
            barrier = threading.Barrier(50)
            statuses, lock = [], threading.Lock()

            def post(key):
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/api/v1/bookings/", data=body, method="POST",
                    headers={"Content-Type": "application/json", "Authorization": f"Token {key}",
                             "X-Forwarded-Proto": "https"},
                )
                barrier.wait()
                started = time.perf_counter()
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        status = response.status
                except urllib.error.HTTPError as exc:
                    status = exc.code
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    statuses.append(status)
                    latencies.append(elapsed)

            threads = [threading.Thread(target=post, args=(key,)) for key in tokens]
            [t.start() for t in threads]
            [t.join() for t in threads]
            counts = {s: statuses.count(s) for s in sorted(set(statuses))}
            outcomes.append(counts)
            if n == 0:
                warmup = latencies[:]
                latencies.clear()
                print(f"  warm-up round: {counts}, p99 {percentile(warmup, 99):.0f} ms (not counted)")
            else:
                print(f"  round {n}: {counts}, p50 {percentile(latencies[-50:], 50):.0f} ms, "
                      f"p99 {percentile(latencies[-50:], 99):.0f} ms")
        return latencies, outcomes
    finally:
        server.terminate()
        server.wait(20)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="free-room searches to time")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of 50 concurrent booking requests")
    parser.add_argument("--gunicorn", default="--workers 3",
                        help="gunicorn worker options (default: docker-compose's, 3 sync workers)")
    args = parser.parse_args()
    rng = random.Random(2026)
    with scratch_database("benchbook"):
        from django.db import connection

        migrate_s, seed_s = migrate_and_seed(1)
        started = time.perf_counter()
        added = add_a_year_of_bookings(rng)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        from servicecenters.models import Booking, Room, ServiceCenter

        print(f"migrate {migrate_s:.1f} s, seed_demo {seed_s:.1f} s, a year of bookings ({added:,}) "
              f"{time.perf_counter() - started:.1f} s")
        print(f"{ServiceCenter.objects.count()} centers, {Room.objects.filter(bookable=True).count()} bookable "
              f"rooms, {Booking.objects.count():,} bookings")

        db_ms, orm_ms, api_ms, found = bench_search(rng, args.runs)
        print(f"\nfree-room search, {args.runs} random (day, hour, people) queries over all centers; "
              f"rooms found: median {sorted(found)[len(found) // 2]}")
        print(f"  {'':<34} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for label, samples, goal in (("database (EXPLAIN ANALYZE)", db_ms, "goal p95 < 20"),
                                     ("ORM call (query + rows)", orm_ms, ""),
                                     ("GET /api/v1/free-rooms/", api_ms, "goal p95 < 200")):
            print(f"  {label:<34} {percentile(samples, 50):>8.2f} {percentile(samples, 95):>8.2f} "
                  f"{max(samples):>8.2f}  {goal}")

        print(f"\n50 concurrent POST /api/v1/bookings/ for one slot, gunicorn {args.gunicorn} on 127.0.0.1, "
              f"{args.rounds} rounds")
        import tempfile

        with tempfile.TemporaryFile("w+") as log:
            latencies, outcomes = bench_gunicorn(args.rounds, args.gunicorn.split(), log)
            log.seek(0)
            # 409s are logged as warnings by django.request; anything else the server said is shown.
            noise = [line for line in log if line.strip() and not line.startswith("Conflict:")]
            if noise:
                print("gunicorn said:\n" + "".join(noise[-20:]))
        exact = all(o == {201: 1, 409: 49} for o in outcomes)
        print(f"  exactly one 201 and 49 × 409 in every round: {'yes' if exact else 'NO'}")
        print(f"  latency over {len(latencies)} counted requests: p50 {percentile(latencies, 50):.0f} ms, "
              f"p99 {percentile(latencies, 99):.0f} ms, max {max(latencies):.0f} ms  (goal p99 < 1000)")
        if not exact:
            sys.exit(1)


if __name__ == "__main__":
    main()
