"""Shared by the benchmarks: a scratch PostgreSQL database, seeded, dropped at the end whatever happens."""

import contextlib
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))


def with_database(url, name):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin_connection(url):
    import psycopg2

    conn = psycopg2.connect(with_database(url, "postgres"))
    conn.autocommit = True
    return conn


def timed(fn, runs):
    """(result, median ms, min ms) of `runs` calls after one warm-up call."""
    fn()
    samples, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - started) * 1000)
    return result, statistics.median(samples), min(samples)


def percentile(samples, p):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


@contextlib.contextmanager
def scratch_database(label="bench"):
    """Create jinshui_<label>_<pid> on DATABASE_URL's server, point Django at it (DEBUG off), drop it after."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL server (postgres://user@host:port/any-db).")
    scratch = f"jinshui_{label}_{os.getpid()}"
    admin = admin_connection(url)
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{scratch}"')
    print(f"scratch database {scratch} created")
    os.environ["DATABASE_URL"] = with_database(url, scratch)
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinshui.settings")
    try:
        import django

        django.setup()
        yield scratch
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


def migrate_and_seed(scale):
    """Migrate and run seed_demo at `scale`; returns (migrate seconds, seed seconds)."""
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate_s = time.perf_counter() - started
    started = time.perf_counter()
    call_command("seed_demo", "--scale", str(scale), "--force", verbosity=0)
    seed_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return migrate_s, seed_s
