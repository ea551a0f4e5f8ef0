#!/usr/bin/env python
"""Issue 19's table at province scale: each row's portal figure beside its SQL floor, at every seeded scale.

    .venv/bin/python bench/province_table.py --db 1=jinshui_bench1 --db 10=jinshui_bench10 \\
        --db 100=jinshui_bench100 [--rounds 5] [--rows race,sustained,...] [--seed]

Each `--db SCALE=NAME` names a PostgreSQL database holding `seed_demo --scale SCALE` (migrated to this code).
With `--seed` the databases are first dropped, created, migrated and seeded here, and seed_demo's time and peak
memory become the table's last row (kept in bench/results/seed-SCALE.json, read back by later runs without
--seed). Every other row is measured by a child process per scale (`--worker`), medians of --rounds:

  race, sustained, free, members, cached   the booking side and the cached dashboard (bench/portal_vs_floor.py)
  changelist   the admin member changelist as district staff, first page; floor: the same statements replayed
  ranking      the quarterly ranking snapshot of the last published quarter (rolled back); floor: its statements
  cold         the dashboard figures computed cold for the district and for one street; floor: their statements
  refresh      every dashboard scope refreshed once (one run, not a median)

"Floor: the same statements replayed" runs the SQL the portal sent, as captured, on a raw cursor: the ratio is
what Django and Python add to the database's own work. The table ends with the growth of each row from the
smallest scale to the largest and the issue's target where it sets one.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS = BASE_DIR / "bench" / "results"
ROWS = "race,sustained,free,members,changelist,ranking,cold,cached,refresh"

#: The issue's targets at the largest scale, as (test on the row, wording).
TARGETS = {
    "race": (lambda r: r["portal"] <= 1.5 * r["floor"], "p99 ≤ 1.5× floor"),
    "sustained": (lambda r: r["portal"] >= 3 * 113, "≥ 3× 113 bookings/s"),
    "members": (lambda r: r["portal"] < 100, "< 100 ms"),
    "changelist": (lambda r: r["portal"] < 100, "< 100 ms"),
    "cold-street": (lambda r: r["portal"] < 100, "< 100 ms"),
    "cached-district": (lambda r: r["portal"] <= 3 * r["floor"], "≤ 3× (cache read + session)"),
    "cached-street": (lambda r: r["portal"] <= 3 * r["floor"], "≤ 3× (cache read + session)"),
    "refresh": (lambda r: r["portal"] < 300_000, "< 5 min"),
}


# --- the worker: one scale, in its own process (Django is set up once per database) ------------------------


def replay_ms(statements, runs):
    """Median ms of running `statements` (as captured) on a raw cursor."""
    from django.db import connection

    from portal_vs_floor import med

    samples = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                if cursor.description is not None:
                    cursor.fetchall()
        samples.append((time.perf_counter() - started) * 1000)
    return med(samples[1:])


def captured(fn):
    """(result, the SELECT statements fn sent, all statements' count)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    sql = [q["sql"] for q in ctx.captured_queries]
    return result, [s for s in sql if s.lstrip().upper().startswith(("SELECT", "WITH"))], len(sql)


def row_changelist(rounds, runs=10):
    from django.contrib.auth import get_user_model
    from django.test import Client

    from portal_vs_floor import med, timed_ms

    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    client.force_login(get_user_model().objects.get(username="admin"))

    def page():
        r = client.get("/admin/members/member/")
        assert r.status_code == 200, r.status_code
        return r

    response, statements, count = captured(page)
    portal = med([timed_ms(page, runs) for _ in range(rounds)])
    return {"portal": portal, "floor": replay_ms(statements, rounds * runs), "queries": count,
            "kib": len(response.content) / 1024}


def row_ranking(rounds):
    """take_snapshots of the last published quarter (its snapshots superseded first), rolled back; the floor
    replays every statement it sent (its inserts too) in a second rolled-back block."""
    from django.db import connection, transaction
    from django.utils import timezone

    from assessment.models import RankingSnapshot
    from assessment.ranking import take_snapshots
    from portal_vs_floor import med

    quarter = (RankingSnapshot.objects.filter(superseded_at__isnull=True).order_by("-quarter")
               .values_list("quarter", flat=True).first())
    if quarter is None:
        return None
    from django.test.utils import CaptureQueriesContext

    class Rollback(Exception):
        pass

    def rolled_back(work):
        try:
            with transaction.atomic():
                RankingSnapshot.objects.filter(quarter=quarter, superseded_at__isnull=True).update(
                    superseded_at=timezone.now())
                started = time.perf_counter()
                work()
                elapsed = (time.perf_counter() - started) * 1000
                raise Rollback
        except Rollback:
            return elapsed

    portal, floor, statements = [], [], []
    for _ in range(rounds + 1):
        with CaptureQueriesContext(connection) as ctx:
            portal.append(rolled_back(lambda: take_snapshots(quarter)))
        statements = [q["sql"] for q in ctx.captured_queries
                      if not q["sql"].startswith(("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT"))][1:]

        def replay():
            with connection.cursor() as cursor:
                for sql in statements:  # (the first, the supersede, is rolled_back's own)
                    cursor.execute(sql)
                    if cursor.description is not None:
                        cursor.fetchall()

        floor.append(rolled_back(replay))
    return {"portal": med(portal[1:]), "floor": med(floor[1:]), "queries": len(statements), "quarter": quarter}


def row_cold(rounds):
    from dashboard import services
    from grids.models import OrgNode
    from portal_vs_floor import med

    street = OrgNode.objects.filter(level=1).order_by("code").first()
    result = {}
    for label, scope in (("district", services.district_scope()), ("street", services.paths_scope([street.path]))):
        _payload, statements, count = captured(lambda: services.compute(scope))
        samples = []
        for _ in range(rounds):
            started = time.perf_counter()
            services.compute(scope)
            samples.append((time.perf_counter() - started) * 1000)
        result[label] = {"portal": med(samples), "floor": replay_ms(statements, rounds), "queries": count}
    return result


def row_cached(rounds, runs=30):
    """The cached dashboard against its floor: the cache read plus the session's own cost (the session and its
    user loaded, as get_user does). Also noted: a signed-in request that does nothing (a 404 through the same
    middleware and the staff layout), for what every page pays."""
    from django.conf import settings
    from django.contrib.auth import get_user
    from django.core.cache import cache
    from django.utils.module_loading import import_string

    from portal_vs_floor import dashboard_client, med, timed_ms

    store_class = import_string(settings.SESSION_ENGINE + ".SessionStore")
    result = {}
    for label, username in (("district", "admin"), ("street", "sec-JS01")):
        client, key = dashboard_client(username)
        session_key = client.cookies[settings.SESSION_COOKIE_NAME].value

        class Request:  # what get_user reads: the session, loaded on first use
            pass

        def floor():
            request = Request()
            request.session = store_class(session_key)
            get_user(request)
            cache.get(key)

        import logging

        logging.getLogger("django.request").setLevel(logging.ERROR)  # the 404s below are expected
        result[label] = {
            "portal": med([timed_ms(lambda: client.get("/dashboard/"), runs) for _ in range(rounds)]),
            "floor": med([timed_ms(floor, runs) for _ in range(rounds)]),
            "nothing_page": med([timed_ms(lambda: client.get("/dashboard/nothing-here/"), runs)
                                 for _ in range(rounds)]),
        }
    return result


def row_refresh():
    from dashboard import services

    started = time.perf_counter()
    outcome = services.refresh_all(full=True)
    return {"portal": (time.perf_counter() - started) * 1000, "floor": None, "scopes": outcome}


def worker(scale, rows, rounds, out, seconds=30):
    sys.path.insert(0, str(BASE_DIR / "bench"))
    import portal_vs_floor as pvf  # sets the environment Django needs

    import django

    django.setup()
    from django.db import connection

    if not (Path(os.environ["STATIC_ROOT"]) / "staticfiles.json").exists():
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)
    found = {"scale": scale, "database": connection.settings_dict["NAME"], "load": os.getloadavg()[0]}

    def keep(key, value):
        found[key] = value
        Path(out).write_text(json.dumps(found, default=str))
        print(f"  scale {scale} · {key}: {value}", flush=True)

    pvf.clean()
    server = pvf.Server("--workers 4 --threads 4 --worker-class gthread".split()) if rows & {"race", "sustained"} \
        else None
    try:
        if "race" in rows:
            r = pvf.row_race(server, rounds)
            keep("race", {"portal": r["portal"][1], "floor": r["floor"][1], "p50": r["portal"][0],
                          "floor_p50": r["floor"][0], "one_winner": r["portal"][2]})
        if "sustained" in rows:
            s = pvf.row_sustained(server, rounds, 50, seconds)
            keep("sustained", {"portal": s["portal"][0], "floor": s["floor"][0], "p99": s["portal"][1],
                               "floor_p99": s["floor"][1], "seconds": seconds})
    finally:
        if server is not None:
            server.stop()
        pvf.clean()
    if "free" in rows:
        keep("free", pvf.row_free_rooms(rounds))
    if "members" in rows:
        keep("members", pvf.row_members(rounds))
    if "changelist" in rows:
        keep("changelist", row_changelist(rounds))
    if "ranking" in rows:
        keep("ranking", row_ranking(rounds))
    if "cold" in rows:
        for label, value in row_cold(rounds).items():
            keep(f"cold-{label}", value)
    if "cached" in rows:
        for label, value in row_cached(rounds).items():
            keep(f"cached-{label}", value)
    if "refresh" in rows:
        keep("refresh", row_refresh())


# --- the parent: seed, measure each scale, print -----------------------------------------------------------


def database_env(name):
    return {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{name}",
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9"),
            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-not-secret-0123456789abcdefghijklmnop"),
            "DEBUG": "0"}


def seed(scale, name):
    """Drop, create, migrate and seed `name` at `scale`; records seconds and peak memory of seed_demo."""
    env = database_env(name)
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    python = str(Path(sys.executable))
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=BASE_DIR, env=env, check=True)
    started = time.perf_counter()
    proc = subprocess.Popen([python, "manage.py", "seed_demo", "--scale", str(scale), "--force"], cwd=BASE_DIR,
                            env=env)
    _pid, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"seed_demo --scale {scale} failed ({status})")
    record = {"seconds": time.perf_counter() - started, "peak_mib": usage.ru_maxrss / 1024}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"seed-{scale}.json").write_text(json.dumps(record))
    return record


def fmt(key, value):
    """(portal, floor) as printed."""
    if value is None:
        return ("—", "—")
    p, f = value.get("portal"), value.get("floor")
    if key == "sustained":
        return (f"{p:.0f} bookings/s (p99 {value['p99']:.0f} ms)", f"{f:.0f} rows/s")
    if key == "race":
        return (f"p50 {value['p50']:.0f} / p99 {p:.0f} ms" + ("" if value.get("one_winner") else " NOT ONE WINNER"),
                f"{value['floor_p50']:.0f} / {f:.0f} ms")
    if key == "seed":
        return (f"{p / 1000:.0f} s / {value['peak_mib']:.0f} MiB", "—")
    if key == "refresh":
        return (f"{p / 1000:.1f} s", "—")
    extra = f", {value['queries']} q" if "queries" in value else ""
    extra += f", {value['kib']:.0f} KiB" if "kib" in value else ""
    return (f"{p:.1f} ms{extra}", "—" if f is None else f"{f:.2f} ms")


LABELS = {
    "race": "50 residents race for one slot",
    "sustained": "sustained booking, 50 clients",
    "free": "free-room search, API",
    "members": "member API, community secretary, 50 rows",
    "changelist": "admin member changelist, district staff",
    "ranking": "quarterly ranking snapshot",
    "cold-district": "dashboard cold, district",
    "cold-street": "dashboard cold, street",
    "cached-district": "dashboard cached, district (floor: cache read + session)",
    "cached-street": "dashboard cached, street (floor: cache read + session)",
    "refresh": "dashboard refresh, every scope",
    "seed": "seed_demo (time / peak memory)",
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append", required=not ("--worker" in sys.argv), default=[],
                        help="SCALE=DATABASE, once per scale")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rows", default=ROWS)
    parser.add_argument("--seconds", type=int, default=30, help="length of a sustained-booking round")
    parser.add_argument("--seed", action="store_true", help="seed every database first (drops it)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--scale", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    rows = set(args.rows.split(","))
    if args.worker:
        worker(args.scale, rows, args.rounds, args.out, args.seconds)
        return
    dbs = sorted((int(s), n) for s, n in (d.split("=", 1) for d in args.db))
    results = {}
    for scale, name in dbs:
        if args.seed:
            print(f"seeding {name} at scale {scale}", flush=True)
            seed(scale, name)
        RESULTS.mkdir(exist_ok=True)
        out = RESULTS / f"table-{scale}.json"
        subprocess.run([sys.executable, __file__, "--worker", "--scale", str(scale), "--rounds", str(args.rounds),
                        "--rows", args.rows, "--out", str(out), "--seconds", str(args.seconds)],
                       env=database_env(name), cwd=BASE_DIR, check=True)
        results[scale] = json.loads(out.read_text())
        seeded = RESULTS / f"seed-{scale}.json"
        if seeded.exists():
            record = json.loads(seeded.read_text())
            results[scale]["seed"] = {"portal": record["seconds"] * 1000, "floor": None,
                                      "peak_mib": record["peak_mib"]}
    scales = [s for s, _n in dbs]
    head = " | ".join(f"scale {s}: portal | floor" for s in scales)
    print(f"\n| work | {head} | ratio at {scales[-1]} | growth {scales[0]}→{scales[-1]} | target at {scales[-1]} |")
    print("|---|" + "---|---|" * len(scales) + "---|---|---|")
    for key, label in LABELS.items():
        if not any(key in results[s] and results[s][key] for s in scales):
            continue
        cells = []
        for s in scales:
            cells += fmt(key, results[s].get(key))
        last, first = results[scales[-1]].get(key), results[scales[0]].get(key)
        ratio = growth = "—"
        if last and last.get("floor"):
            ratio = (f"{last['floor'] / last['portal']:.1f}×" if key == "sustained"
                     else f"{last['portal'] / last['floor']:.1f}×")
        if last and first and first.get("portal"):
            growth = f"{last['portal'] / first['portal']:.1f}×"
        target = "—"
        if key in TARGETS and last:
            test, wording = TARGETS[key]
            target = f"{wording}: {'met' if test(last) else 'NOT met'}"
        print(f"| {label} | " + " | ".join(cells) + f" | {ratio} | {growth} | {target} |")


if __name__ == "__main__":
    main()
