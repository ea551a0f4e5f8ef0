#!/usr/bin/env python
"""Benchmark of the demo seed and the tree queries on a scratch PostgreSQL database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jinshui .venv/bin/python bench/bench_tree.py --scale 1

DATABASE_URL only says which server to use: the script creates its own scratch database there
(jinshui_bench_<pid>), migrates it, runs `seed_demo --scale N --force`, times the subtree
queries (median of --runs runs after a warm-up), prints EXPLAIN for them, and drops the scratch
database at the end, whatever happens. DEBUG is forced off (no query logging during the timings).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))


def _with_database(url, name):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin_connection(url):
    import psycopg2

    conn = psycopg2.connect(_with_database(url, "postgres"))
    conn.autocommit = True
    return conn


def _timed(fn, runs):
    fn()  # warm-up: plan cache, shared buffers
    samples = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - started) * 1000)
    return result, statistics.median(samples), min(samples)


def _plan_summary(queryset):
    lines = queryset.explain().splitlines()
    first = lines[0].strip()
    index_line = next((line.strip() for line in lines if "Index" in line), None)
    if index_line and index_line != first:
        return f"{first}\n      … {index_line}"
    return first


def run(scale, runs):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from grids.models import OrgNode
    from members.models import Member
    from members.selectors import member_list

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate_s = time.perf_counter() - started

    started = time.perf_counter()
    call_command("seed_demo", "--scale", str(scale), "--force", verbosity=0)
    seed_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    street = OrgNode.objects.get(code="JS01")
    community = OrgNode.objects.filter(parent=street).order_by("code").first()
    User = get_user_model()

    rows = []

    def measure(label, fn):
        result, median, fastest = _timed(fn, runs)
        rows.append((label, result, median, fastest))

    for kind, node in (("street", street), ("community", community)):
        nodes = OrgNode.objects.subtree_of(node)
        members = Member.objects.filter(org__path__startswith=node.path)
        measure(f"{kind} {node.code}: nodes count", lambda q=nodes: q.count())
        measure(f"{kind} {node.code}: nodes fetch", lambda q=nodes: len(list(q.all())))
        measure(f"{kind} {node.code}: members count", lambda q=members: q.count())
        measure(f"{kind} {node.code}: members fetch", lambda q=members: len(list(q.all())))

    def admin_page():
        admin = User.objects.get(username="admin")
        return len(list(member_list(user=admin).select_related("org")[:50]))

    def secretary_page():
        secretary = User.objects.get(username=f"sec-{street.code}")  # a fresh object: the scope query counts
        return len(list(member_list(user=secretary).select_related("org")[:50]))

    measure("member list page, admin [:50]", admin_page)
    measure(f"member list page, sec-{street.code} [:50]", secretary_page)

    totals = {
        "nodes": OrgNode.objects.count(),
        "members": Member.objects.count(),
        "users": User.objects.count(),
    }
    print(f"\nscale {scale}: {totals['nodes']:,} nodes, {totals['members']:,} members, {totals['users']:,} users")
    print(f"migrate {migrate_s:.1f} s; seed_demo --scale {scale}: {seed_s:.1f} s\n")
    print(f"{'query (median of %d runs)' % runs:<44} {'rows':>8} {'median ms':>10} {'min ms':>8}")
    print("-" * 73)
    for label, result, median, fastest in rows:
        print(f"{label:<44} {result:>8,} {median:>10.2f} {fastest:>8.2f}")

    print("\nEXPLAIN")
    admin = User.objects.get(username="admin")
    for label, queryset in (
        (f"subtree of {street.code}", OrgNode.objects.subtree_of(street)),
        (f"members under {street.code}", Member.objects.filter(org__path__startswith=street.path)),
        (f"members under {community.code}", Member.objects.filter(org__path__startswith=community.path)),
        ("member list page, admin", member_list(user=admin).select_related("org")[:50]),
    ):
        print(f"  {label}: {_plan_summary(queryset)}")
    return seed_s


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL server (postgres://user@host:port/any-db).")
    scratch = f"jinshui_bench_{os.getpid()}"
    admin = _admin_connection(url)
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{scratch}"')
    print(f"scratch database {scratch} created")

    os.environ["DATABASE_URL"] = _with_database(url, scratch)
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinshui.settings")
    try:
        import django

        django.setup()
        run(args.scale, args.runs)
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 — Django may not have started at all
            pass
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        admin.close()
        print(f"\nscratch database {scratch} dropped")


if __name__ == "__main__":
    main()
