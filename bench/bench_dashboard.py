#!/usr/bin/env python
"""Benchmark of /dashboard/: its figures computed cold, and the page served from the cache.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jinshui REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/bench_dashboard.py --scale 1 --scale 10

For each scale: seeds a scratch database (bench/scratch.py; the community demo records are timed on their
own), then for district staff (admin), a street secretary and a community secretary: the cold computation
of the scope's figures (median of --runs, and its SQL queries), the first request on a cold cache, and the
request on a warm cache (median, p95, queries) beside the bare cache read of its figures and the session's own
cost (the same signed-in client on a page that does nothing), and their ratio. Then the cold computation of a
sample of streets (median and max), each figure's share of the median street's and of the district's (ms,
queries), every community computed at once (services.compute_many: not stored), and last the nightly full refresh
over the district, every street and every scope seen, and the hourly one with nothing changed and with one street
changed. `--existing` measures the database DATABASE_URL names as it is (migrated, not seeded; the callers get an
authenticator for the second factor). With REDIS_URL set the cache is Redis, as in production.
"""

import argparse
import logging
import time

from scratch import migrate_and_seed, percentile, scratch_database, timed


def _count_queries(fn):
    from django.db import connection

    queries = []
    with connection.execute_wrapper(lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)):
        result = fn()
    return result, len(queries)


def figure_profile(scope, runs, label):
    """Each registered figure's computation over `scope`: median ms of `runs` and its SQL queries."""
    from dashboard import services
    from dashboard.registry import ComputeContext, figures

    rows = []
    with services.subtree_planning(scope):  # as services.compute runs them
        for fig in figures():
            ctx = ComputeContext(scope=scope)
            ctx.node_ids  # read once per computation by services.compute: not the figure's own cost
            _, ms, _ = timed(lambda f=fig: f.compute(ctx), runs)
            _, queries = _count_queries(lambda f=fig: f.compute(ctx))
            rows.append((fig.key, ms, queries))
    total = sum(r[1] for r in rows)
    print(f"\nper figure, {label}: {total:.1f} ms, {sum(r[2] for r in rows)} queries (the scope's node ids, "
          f"names and planner settings aside)")
    for key, ms, queries in sorted(rows, key=lambda r: -r[1]):
        print(f"  {key:<16} {ms:>8.1f} ms {queries:>4} queries")


def run(scale, runs, existing=False):
    import demo.community
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client

    from accounts.scopes import resolve_scope
    from dashboard import services
    from grids.models import OrgNode

    seeded = {}
    original = demo.community.seed

    def timed_seed(**kwargs):
        started = time.perf_counter()
        lines = original(**kwargs)
        seeded["s"] = time.perf_counter() - started
        return lines

    demo.community.seed = timed_seed
    try:
        if existing:  # an already seeded database (DATABASE_URL): migrated, not seeded again
            from django.core.management import call_command

            started = time.perf_counter()
            call_command("migrate", verbosity=0)
            migrate_s, seed_s = time.perf_counter() - started, 0.0
        else:
            migrate_s, seed_s = migrate_and_seed(scale)
    finally:
        demo.community.seed = original
    street = OrgNode.objects.get(code="JS01")
    community_node = OrgNode.objects.filter(parent=street).order_by("code").first()
    users = {"district (admin)": "admin", f"street sec-{street.code}": f"sec-{street.code}",
             f"community sec-{community_node.code}": f"sec-{community_node.code}"}
    print(f"\nscale {scale}: migrate {migrate_s:.1f} s, seed_demo {seed_s:.1f} s "
          f"(of which the community records {seeded.get('s', 0):.2f} s); cache {settings.CACHES['default']['BACKEND']}")
    print(f"{'caller':<28} {'compute ms':>11} {'queries':>8} {'cold page ms':>13} {'cached ms':>10} "
          f"{'p95 ms':>8} {'queries':>8} {'cache read ms':>14} {'session ms':>11} {'ratio':>6}")
    print("-" * 127)
    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    User = get_user_model()
    from tests.second_factor import pass_second_factor

    def sign_in(user):
        # As after a real sign-in, second factor included (the staff pages ask for it; in the scratch or copied
        # database an authenticator is added to the user for that).
        client.force_login(user)
        pass_second_factor(client, user)

    sign_in(User.objects.get(username="admin"))
    client.get("/dashboard/")  # load templates and the static manifest once, outside the measures
    for label, username in users.items():
        user = User.objects.get(username=username)
        scope = resolve_scope(user)
        scope = services.district_scope() if scope.read_all else services.paths_scope(scope.read_paths)
        _, compute_ms, _ = timed(lambda: services.compute(scope), runs)
        _, compute_queries = _count_queries(lambda: services.compute(scope))
        sign_in(user)
        cache.delete(services.scope_key(scope))
        started = time.perf_counter()
        response = client.get("/dashboard/")
        cold_ms = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.status_code
        _, cached_queries = _count_queries(lambda: client.get("/dashboard/"))
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            client.get("/dashboard/")
            samples.append((time.perf_counter() - started) * 1000)
        samples.sort()
        _, read_ms, _ = timed(lambda: cache.get(services.scope_key(scope)), runs)
        # The session's own cost: the same client signed in, through the same middleware, to a page that does
        # nothing (not found): session, user, second factor's device.
        logging.getLogger("django.request").setLevel(logging.ERROR)  # its "Not Found" lines
        _, session_ms, _ = timed(lambda: client.get("/dashboard/session-cost-probe/"), runs)
        cached_ms = samples[len(samples) // 2]
        print(f"{label:<28} {compute_ms:>11.1f} {compute_queries:>8} {cold_ms:>13.1f} "
              f"{cached_ms:>10.1f} {percentile(samples, 95):>8.1f} {cached_queries:>8} {read_ms:>14.2f} "
              f"{session_ms:>11.1f} {cached_ms / (read_ms + session_ms):>6.2f}")
    refresh(services, street, runs)


def refresh(services, street, runs):
    """The nightly full refresh against the hourly one after a change in one street (dashboard/changes.py)."""
    from django.db import transaction

    from dashboard import changes
    from members.models import Member

    from grids.models import Level, OrgNode

    from members.records.models import Member as Members

    paths = list(OrgNode.objects.filter(level=Level.STREET).order_by("path").values_list("path", flat=True))
    sample = paths[:: max(1, len(paths) // 10)]
    times = []
    for path in sample:  # the demo's own JS01 is small; the scaled copies are not
        _, ms, _ = timed(lambda p=path: services.compute(services.paths_scope([p])), 1)
        times.append((ms, path))
    times.sort()
    median_ms, median_path = times[len(times) // 2]
    print(f"\ncold street compute over {len(sample)} of {len(paths)} streets (1 warm-up + 1 run each): "
          f"median {median_ms:.0f} ms, max {times[-1][0]:.0f} ms ({times[-1][1]})")
    members = Members.objects.filter(org__path__startswith=median_path).count()
    figure_profile(services.paths_scope([median_path]), runs, f"the median street {median_path} ({members} members)")
    figure_profile(services.district_scope(), max(1, runs // 5), "the district")
    cache_scopes = services.all_scopes()
    communities = OrgNode.objects.filter(level=Level.COMMUNITY).count()
    print(f"\nscopes kept fresh: {len(cache_scopes)} (district, {len(paths)} streets, scopes seen); "
          f"{communities} communities")
    started = time.perf_counter()
    bulk = services.compute_many([services.paths_scope([p]) for p in OrgNode.objects.filter(
        level=Level.COMMUNITY).order_by("path").values_list("path", flat=True)])
    print(f"every community computed (not stored): {len(bulk)} scopes in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    full = services.refresh_all(full=True)
    full_s = time.perf_counter() - started
    print(f"full refresh (nightly): {full['computed']} of {full['scopes']} scopes (district, streets, scopes seen) "
          f"in {full_s:.1f} s")
    started = time.perf_counter()
    quiet = services.refresh_all(full=False)
    print(f"hourly refresh, nothing changed: {quiet['computed']} of {quiet['scopes']} scopes "
          f"in {time.perf_counter() - started:.1f} s")
    member = Member.objects.filter(org__path__startswith=street.path).order_by("pk").first()
    with transaction.atomic():
        member.save()  # marks its street, as any edit through the portal does
    started = time.perf_counter()
    one = services.refresh_all(full=False)
    print(f"hourly refresh, one street changed: {one['computed']} of {one['scopes']} scopes "
          f"in {time.perf_counter() - started:.1f} s (marks left: {len(changes.marks())})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, action="append", help="repeatable (each in its own scratch database)")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--existing", action="store_true",
                        help="measure DATABASE_URL as it is (migrated first, not seeded; --scale only labels it)")
    args = parser.parse_args()
    scales = args.scale or [1]
    if args.existing:
        import os

        import django

        os.environ["DEBUG"] = "0"
        os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinshui.settings")
        django.setup()
        run(scales[0], args.runs, existing=True)
        return
    if len(scales) > 1:
        # Django's settings are read once per process: one process (and scratch database) per scale.
        import subprocess
        import sys

        for scale in scales:
            subprocess.run([sys.executable, __file__, "--scale", str(scale), "--runs", str(args.runs)], check=True)
        return
    with scratch_database("benchdash"):
        run(scales[0], args.runs)


if __name__ == "__main__":
    main()
