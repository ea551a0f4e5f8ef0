#!/usr/bin/env python
"""The portal beside its hand-written SQL floor, on a seeded database: issue 19's rows of the booking side.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jinshui_bench10 REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/portal_vs_floor.py --scale 10

The database must hold `seed_demo --scale N` (migrated to this code); the script adds its own users (bench-*),
removes every booking it makes after each round, and changes nothing else. Rows, each as medians of --rounds:

  race        50 residents POST the same slot at once to gunicorn (-w4 --threads 4 by default): p50/p99 of the
              round; one 201 and 49 × 409 required. Floor: 50 connections running lock, check, insert, commit.
  sustained   --clients clients booking free slots (distinct rooms per client) for --seconds: bookings/s and
              p99. Floor: the same number of connections inserting bookings with the same lock and check.
  free-room   GET /api/v1/free-rooms/ in-process (token), random day/hour/people; floor: its SQL alone.
  member API  GET /api/v1/members/?page_size=50 as a community secretary; floor: 50 rows and the count in SQL.
  dashboard   GET /dashboard/ with its figures cached (district staff, a street secretary); floor: the cache read.

Run on a quiet machine if there is one; on a shared one run the two sides back to back (the script does).
"""

import argparse
import datetime
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinshui.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-0123456789abcdefghijklmnop")
os.environ["DEBUG"] = "0"
os.environ["OTP_REQUIRED"] = "0"
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("STATIC_ROOT", str(BASE_DIR / "staticfiles"))

PURPOSE = "bench-pvf"


def pct(samples, p):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


def med(values):
    return statistics.median(values) if values else float("nan")


# --- set-up ------------------------------------------------------------------------------------------------


def bench_users(prefix, n):
    """n resident accounts named prefix-0000… with API tokens (created once, kept); returns their (id, token)."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from accounts.models import Role, RoleGrant

    User = get_user_model()
    names = [f"{prefix}-{i:04d}" for i in range(n)]
    have = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    new = User.objects.bulk_create([User(username=u, password="!") for u in names if u not in have])
    RoleGrant.objects.bulk_create([RoleGrant(user=u, role=Role.RESIDENT) for u in new])
    Token.objects.bulk_create([Token(user=u, key=Token.generate_key()) for u in new])
    rows = dict(Token.objects.filter(user__username__in=names).values_list("user__username", "key"))
    ids = dict(User.objects.filter(username__in=names).values_list("username", "pk"))
    return [(ids[u], rows[u]) for u in names]


def clean(users=None):
    """Remove what the benchmark booked (bookings, their history, their messages)."""
    from django.db import connection

    from inbox.models import Message
    from servicecenters.models import Booking

    ids = list(Booking.objects.filter(purpose=PURPOSE).values_list("pk", flat=True))
    if ids:
        Booking.history.filter(id__in=ids).delete()
        Booking.objects.filter(pk__in=ids).delete()
    Message.objects.filter(recipient__username__startswith="bench-", kind__startswith="booking").delete()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM servicecenters_booking WHERE purpose = %s", [PURPOSE + "-floor"])


def free_slots(clients):
    """Free one-hour slots in the next days, within opening hours, grouped by client (each client its own rooms)."""
    from django.utils import timezone

    from servicecenters.models import Booking, OpeningHours, Room

    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    rooms = list(Room.objects.filter(bookable=True, min_minutes__lte=60, max_minutes__gte=60, capacity__gte=2)
                 .order_by("pk"))
    hours = {(h.center_id, h.weekday): (h.opens, h.closes) for h in OpeningHours.objects.all()}
    taken = set()
    horizon = today + datetime.timedelta(days=14)
    for room_id, start in Booking.objects.filter(start__gte=timezone.now(), start__lt=datetime.datetime.combine(
            horizon, datetime.time(), tzinfo=tz)).values_list("room_id", "start"):
        local = timezone.localtime(start)
        taken.add((room_id, local.date(), local.hour))
        taken.add((room_id, local.date(), local.hour + 1))
    per_client = [[] for _ in range(clients)]
    for n, room in enumerate(rooms):
        for d in range(1, min(room.max_days_ahead, 13) + 1):
            day = today + datetime.timedelta(days=d)
            opens_closes = hours.get((room.center_id, day.weekday()))
            if opens_closes is None:
                continue
            first = opens_closes[0].hour + (1 if opens_closes[0].minute else 0)
            for hour in range(first, opens_closes[1].hour):
                if (room.pk, day, hour) in taken or (room.pk, day, hour - 1) in taken:
                    continue
                start = datetime.datetime.combine(day, datetime.time(hour), tzinfo=tz)
                per_client[n % clients].append((room.pk, start))
    for slots in per_client:
        slots.sort(key=lambda s: (s[1], s[0]))
    return per_client


# --- gunicorn ----------------------------------------------------------------------------------------------


class Server:
    def __init__(self, args):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.log = open(f"/tmp/pvf-gunicorn-{os.getpid()}.log", "w")
        env = {**os.environ, "DB_CONN_MAX_AGE": "60"}
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "jinshui.wsgi:application", "--bind",
             f"127.0.0.1:{self.port}", *args, "--log-level", "warning"],
            cwd=BASE_DIR, env=env, stderr=self.log, stdout=self.log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/healthz")
                c.getresponse().read()
                return
            except OSError:
                time.sleep(0.3)
        raise SystemExit("gunicorn did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(30)
        self.log.close()


def post_booking(conn, token, room, start):
    body = json.dumps({"room": room, "start": start.isoformat(),
                       "end": (start + datetime.timedelta(hours=1)).isoformat(), "attendees": 2,
                       "purpose": PURPOSE})
    conn.request("POST", "/api/v1/bookings/", body=body, headers={
        "Content-Type": "application/json", "Authorization": f"Token {token}", "X-Forwarded-Proto": "https"})
    response = conn.getresponse()
    response.read()
    return response.status


# --- the floors --------------------------------------------------------------------------------------------

FLOOR_BOOK = """
    SELECT id FROM servicecenters_room WHERE id = %(room)s FOR UPDATE;
"""
FLOOR_CHECK = """
    SELECT EXISTS (SELECT 1 FROM servicecenters_booking WHERE room_id = %(room)s AND status IN
                   ('pending', 'confirmed', 'checked_in', 'completed') AND start < %(end)s AND "end" > %(start)s
                   AND start > %(start)s - interval '24 hours')
"""
FLOOR_INSERT = """
    INSERT INTO servicecenters_booking (room_id, resident_id, start, "end", attendees, purpose, status, reason,
                                        created_at, code)
    VALUES (%(room)s, %(resident)s, %(start)s, %(end)s, 2, %(purpose)s, 'confirmed', '', now(), %(code)s)
    RETURNING id
"""


def floor_connection():
    import psycopg2
    from django.conf import settings

    db = settings.DATABASES["default"]
    return psycopg2.connect(dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"], host=db["HOST"],
                            port=db["PORT"] or 5432)


def floor_book(conn, room, resident, start):
    """One booking by hand-written SQL: lock the room, check the slot, insert, commit. True when booked."""
    from servicecenters.models import new_booking_code

    args = {"room": room, "resident": resident, "start": start, "end": start + datetime.timedelta(hours=1),
            "purpose": PURPOSE + "-floor", "code": new_booking_code()}
    with conn.cursor() as cursor:
        cursor.execute(FLOOR_BOOK, args)
        cursor.execute(FLOOR_CHECK, args)
        if cursor.fetchone()[0]:
            conn.rollback()
            return False
        cursor.execute(FLOOR_INSERT, args)
    conn.commit()
    return True


# --- the rows ----------------------------------------------------------------------------------------------


def race_round(kind, server, users, room, start):
    """50 requests (or floor transactions) for one slot at once: (latencies ms, {status: count})."""
    barrier = threading.Barrier(len(users))
    latencies, statuses, lock = [], [], threading.Lock()

    def one(user_id, token):
        conn = (http.client.HTTPConnection("127.0.0.1", server.port, timeout=60) if kind == "portal"
                else floor_connection())
        try:
            if kind == "portal":
                conn.connect()
            barrier.wait()
            started = time.perf_counter()
            if kind == "portal":
                status = post_booking(conn, token, room, start)
            else:
                status = 201 if floor_book(conn, room, user_id, start) else 409
            elapsed = (time.perf_counter() - started) * 1000
        finally:
            conn.close()
        with lock:
            latencies.append(elapsed)
            statuses.append(status)

    threads = [threading.Thread(target=one, args=u) for u in users]
    [t.start() for t in threads]
    [t.join() for t in threads]
    return latencies, {s: statuses.count(s) for s in sorted(set(statuses))}


def row_race(server, rounds):
    from django.utils import timezone

    from servicecenters.models import Room

    users = bench_users("bench-race", 50)
    room = Room.objects.filter(bookable=True, min_minutes__lte=60, max_minutes__gte=60).order_by("pk").first()
    tz = timezone.get_current_timezone()
    result = {}
    for kind in ("portal", "floor"):
        p50, p99, ok = [], [], True
        for n in range(rounds + 1):
            day = timezone.localdate() + datetime.timedelta(days=1 + n % 5)
            start = datetime.datetime.combine(day, datetime.time(20), tzinfo=tz)
            from servicecenters.models import Booking

            Booking.objects.filter(room=room, start__lt=start + datetime.timedelta(hours=1), end__gt=start,
                                   status__in=["pending", "confirmed"]).update(status="cancelled")
            latencies, counts = race_round(kind, server, users, room.pk, start)
            clean()
            if n == 0:
                continue  # warm-up
            ok = ok and counts == {201: 1, 409: 49}
            p50.append(pct(latencies, 50))
            p99.append(pct(latencies, 99))
        result[kind] = (med(p50), med(p99), ok)
    return result


def sustained_round(kind, server, clients, slots, users_per_client, seconds):
    """Every client books its own free slots one after the other for `seconds`: (bookings, latencies)."""
    deadline = [0.0]
    booked, latencies, lock = [0], [], threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def client(c):
        conn = (http.client.HTTPConnection("127.0.0.1", server.port, timeout=60) if kind == "portal"
                else floor_connection())
        mine, n = [], 0
        try:
            barrier.wait()
            for i, (room, start) in enumerate(slots[c]):
                if time.perf_counter() >= deadline[0]:
                    break
                user_id, token = users_per_client[c][(i // 9) % len(users_per_client[c])]
                started = time.perf_counter()
                if kind == "portal":
                    status = post_booking(conn, token, room, start)
                    good = status == 201
                else:
                    good = floor_book(conn, room, user_id, start)
                mine.append((time.perf_counter() - started) * 1000)
                n += good
        finally:
            conn.close()
        with lock:
            booked[0] += n
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    [t.start() for t in threads]
    deadline[0] = time.perf_counter() + seconds
    barrier.wait()
    [t.join() for t in threads]
    return booked[0], latencies


def row_sustained(server, rounds, clients, seconds):
    users = bench_users("bench-sus", clients * 40)
    per_client = [users[c * 40:(c + 1) * 40] for c in range(clients)]
    slots = free_slots(clients)
    result = {}
    for kind in ("portal", "floor"):
        rates, p99s = [], []
        for n in range(rounds + 1):
            clean()
            booked, latencies = sustained_round(kind, server, clients, slots, per_client, seconds if n else 3)
            clean()
            if n == 0:
                continue
            rates.append(booked / seconds)
            p99s.append(pct(latencies, 99))
        result[kind] = (med(rates), med(p99s), min(len(s) for s in slots))
    return result


def in_process_client(username):
    from django.contrib.auth import get_user_model
    from django.test import Client
    from rest_framework.authtoken.models import Token

    user = get_user_model().objects.get(username=username)
    token = Token.objects.get_or_create(user=user)[0]
    return Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https", HTTP_AUTHORIZATION=f"Token {token.key}")


def timed_ms(fn, runs):
    fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return med(samples)


def row_free_rooms(rounds, runs=40):
    from django.db import connection
    from django.utils import timezone

    from servicecenters.selectors import free_rooms

    rng = random.Random(19)
    client = in_process_client("resident-0001")
    today = timezone.localdate()
    portal, floor = [], []
    for _ in range(rounds):
        queries = [(today + datetime.timedelta(days=rng.randint(0, 13)), rng.choice(range(9, 19)),
                    rng.choice((1, 5, 10, 20))) for _ in range(runs)]

        def api():
            for day, hour, people in queries:
                r = client.get("/api/v1/free-rooms/", {"date": day.isoformat(), "start": f"{hour:02d}:00",
                                                       "end": f"{hour + 1:02d}:00", "people": people})
                assert r.status_code == 200, r.content[:200]

        def sql():
            with connection.cursor() as cursor:
                for day, hour, people in queries:
                    qs = free_rooms(user=None, day=day, start_time=datetime.time(hour),
                                    end_time=datetime.time(hour + 1), people=people)[:100]
                    text, params = qs.query.sql_with_params()
                    cursor.execute(text, params)
                    cursor.fetchall()

        portal.append(timed_ms(api, 1) / runs)
        floor.append(timed_ms(sql, 1) / runs)
    return {"portal": med(portal), "floor": med(floor)}


def row_members(rounds, runs=30):
    from django.db import connection

    from grids.models import OrgNode
    from members.records.models import Member

    community = OrgNode.objects.filter(parent__code="JS01").order_by("code").first()
    client = in_process_client(f"sec-{community.code}")
    table, nodes = Member._meta.db_table, OrgNode._meta.db_table
    prefix = community.path

    def api():
        r = client.get("/api/v1/members/", {"page_size": 50})
        assert r.status_code == 200, r.content[:200]

    def sql():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {table} m JOIN {nodes} o ON o.id = m.org_id "
                           f"WHERE o.path LIKE %s", [prefix + "%"])
            cursor.fetchall()
            cursor.execute(f"SELECT m.*, o.name FROM {table} m JOIN {nodes} o ON o.id = m.org_id "
                           f"WHERE o.path LIKE %s ORDER BY m.org_id, m.name, m.id LIMIT 50", [prefix + "%"])
            cursor.fetchall()

    return {"portal": med([timed_ms(api, runs) for _ in range(rounds)]),
            "floor": med([timed_ms(sql, runs) for _ in range(rounds)])}


def dashboard_client(username):
    """A signed-in client whose /dashboard/ has been served once (its figures cached), and their cache key."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from accounts.scopes import resolve_scope
    from dashboard import services

    user = get_user_model().objects.get(username=username)
    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    client.force_login(user)
    assert client.get("/dashboard/").status_code == 200  # fills the cache
    scope = resolve_scope(user)
    scope = services.district_scope() if scope.read_all else services.paths_scope(scope.read_paths)
    return client, services.scope_key(scope)


def row_dashboard(rounds, runs=30):
    from django.core.cache import cache

    result = {}
    for label, username in (("district", "admin"), ("street", "sec-JS01")):
        client, key = dashboard_client(username)
        assert cache.get(key) is not None, "the figures are cached"
        result[label] = {
            "portal": med([timed_ms(lambda: client.get("/dashboard/"), runs) for _ in range(rounds)]),
            "floor": med([timed_ms(lambda: cache.get(key), runs) for _ in range(rounds)]),
        }
    return result


class Table(list):
    """The rows, each printed as soon as it is measured (a long run that fails later keeps what it had)."""

    def append(self, row):
        print("  " + " | ".join(row), flush=True)
        super().append(row)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, required=True, help="the scale the database was seeded at (a label)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=30, help="length of a sustained-booking round")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--gunicorn", default="--workers 4 --threads 4 --worker-class gthread")
    parser.add_argument("--rows", default="race,sustained,free,members,dashboard")
    args = parser.parse_args()
    rows = set(args.rows.split(","))

    import django

    django.setup()
    from django.db import connection

    if not (Path(os.environ["STATIC_ROOT"]) / "staticfiles.json").exists():
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)
    clean()
    print(f"scale {args.scale}, database {connection.settings_dict['NAME']}, code {BASE_DIR}, "
          f"{args.rounds} rounds (medians), load {os.getloadavg()[0]:.1f}")
    table = Table()
    server = Server(args.gunicorn.split()) if rows & {"race", "sustained"} else None
    try:
        if "race" in rows:
            r = row_race(server, args.rounds)
            p, f = r["portal"], r["floor"]
            table.append(("50 residents race for one slot", f"p50 {p[0]:.0f} / p99 {p[1]:.0f} ms"
                          + ("" if p[2] else " (NOT one winner)"), f"{f[0]:.0f} / {f[1]:.0f} ms",
                          f"{p[1] / f[1]:.1f}× (p99)"))
        if "sustained" in rows:
            r = row_sustained(server, args.rounds, args.clients, args.seconds)
            p, f = r["portal"], r["floor"]
            table.append((f"sustained booking, {args.clients} clients × {args.seconds} s",
                          f"{p[0]:.0f} bookings/s, p99 {p[1]:.0f} ms", f"{f[0]:.0f} rows/s, p99 {f[1]:.0f} ms",
                          f"{f[0] / p[0]:.1f}×"))
    finally:
        if server is not None:
            server.stop()
        clean()
    if "free" in rows:
        r = row_free_rooms(args.rounds)
        table.append(("free-room search, API", f"{r['portal']:.1f} ms", f"{r['floor']:.1f} ms",
                      f"{r['portal'] / r['floor']:.1f}×"))
    if "members" in rows:
        r = row_members(args.rounds)
        table.append(("member API, community secretary, 50 rows", f"{r['portal']:.1f} ms", f"{r['floor']:.2f} ms",
                      f"{r['portal'] / r['floor']:.0f}×"))
    if "dashboard" in rows:
        r = row_dashboard(args.rounds)
        for label, v in r.items():
            table.append((f"dashboard cached, {label}", f"{v['portal']:.1f} ms", f"{v['floor']:.2f} ms (cache read)",
                          f"{v['portal'] / v['floor']:.0f}×"))
    print(f"\n| work (scale {args.scale}) | portal | SQL floor | ratio |\n|---|---|---|---|")
    for line in table:
        print("| " + " | ".join(line) + " |")


if __name__ == "__main__":
    main()
