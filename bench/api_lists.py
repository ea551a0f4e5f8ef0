#!/usr/bin/env python
"""Benchmark of the API's lists by area (issue 14): each area's lists as district staff and as a community
secretary, page_size 50: rows counted, SQL queries per call, median and p95 latency; the biggest list of each
area is marked.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jinshui .venv/bin/python bench/api_lists.py --scale 10

Seeds a scratch database (see bench/scratch.py) and calls each list through Django's test client with token
authentication. An area is a block in AREAS below: add the lists of a new area as their own block.

Measured 2026-11-30 at scale 10 on the shared 2-core machine under heavy load (load average 15-20; medians are
upper bounds), page_size 50, 11 runs; every list ran 2-5 queries whatever its size:

    area        biggest list     caller                 count  queries  median ms  p95 ms
    assessment  scores/          district (admin)      45,114        3      166.2   216.2
    assessment  rankings/        community JS01-C01         4        4       88.5   110.2
    community   star-ratings/    district (admin)      25,520        3      202.9   260.0
    community   star-ratings/    community JS01-C01        12        4       66.7    86.3
    member work points/          district (admin)      40,810 (scale 1)     341     550

The member list (--members), first and deep page by page number and by cursor, API and admin:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<a seeded copy> .venv/bin/python bench/api_lists.py \
        --existing --members --runs 9

Measured 2026-11-30 on a copy of the scale-10 demo (221,500 members), load average 4-5 on the 2 cores (wall
times are upper bounds; the SQL figures are EXPLAIN ANALYZE of the page's query, steadier):

    list (district staff)                  SQL ms before     SQL ms after           median ms before/after  queries
    API page number, first page            1.6 (index+sort)  0.7 (index range)      36 / 16                 4
    API page number, page 2000             130-410           7-10 keys + 0.5 rows   398 / 28 (bound lifted) 4 / 5
                                                             (asked for: 400, use the cursor)
    API cursor, at row 99,951              5.0 (index+sort)  0.7 (index range)      29 / 17                 4
    admin changelist, page 2000            265               7-14 keys + 0.5 rows   670 / 218               8 / 9

A street secretary's list (1,234 members) cost 8 ms of SQL at any page before and after. The first page of
other member-work lists for district staff (EXPLAIN ANALYZE, before → after an index on the list's ordering):
dues/ 855 → 1.0 ms, points/ 1,435 → 14 ms, quiz-attempts/ 29 → 0.4 ms. Still a sort of every row (an aggregate
grouped before the page is cut): meetings/ ~820 ms, candidates/ ~1,500 ms, enrolments/ ~300 ms.

The per-row counts as correlated subqueries (core/counts.py) and indexes on those lists' orderings
(members migrations 0021, 0022), measured 2026-11-30 on the same copy, vacuumed, district staff, first page
(page number and cursor alike), SQL ms of the page's query from EXPLAIN ANALYZE, before → after; add --explain
to the lists by area for the sum over a call's queries:

    meetings/           1,294 → 1.6   (the page count: 62 → 1.5)   admin changelist 1,487 → 4.0
    candidates/           205 → 0.4   (27 → 1.0)                   admin changelist   398 → 1.3
    training-classes/     116 → 12    (29 → 0.03; 26 classes' enrolments counted, 2,840 each)
                                                                   admin changelist   254 → 8.0
    quizzes/              380 → 3.7   (35 → 0.03; 13 quizzes' attempts counted, 2,477 each)
                                                                   admin changelist   675 → 4.0
    stage-filings/         47 → 5.4 / cursor 1.1                   transfers/  60 → 1.0
    enrolments/            22-37 (unchanged: one class's enrolments, 2,841, joined to their members and
                           sorted by name; the ordering crosses tables, no index serves it)
"""

import argparse
import json
import os
import time

from scratch import migrate_and_seed, percentile, scratch_database

AREAS = {}

# member work: development, transfers, dues, meetings, points, training (members/<topic>/api.py)
AREAS["member work"] = [
    "/api/v1/candidates/", "/api/v1/stage-filings/", "/api/v1/transfers/", "/api/v1/dues/", "/api/v1/meetings/",
    "/api/v1/points/", "/api/v1/training-classes/", "/api/v1/enrolments/", "/api/v1/quizzes/",
    "/api/v1/quiz-attempts/",
]
# end of member work

# assessment and community records (assessment/api.py, community/api.py)
AREAS["assessment"] = ["/api/v1/" + name + "/" for name in (
    "scores", "rankings", "inspections", "findings", "interviews", "assessment-plans")]
AREAS["community"] = ["/api/v1/" + name + "/" for name in (
    "two-new-orgs", "instructors", "stations", "resident-units", "pairings", "joint-meetings", "resident-issues",
    "village-visits", "star-ratings", "weak-orgs", "red-homes", "dues-refunds")]
# end of assessment and community records


def measure(client, path, headers, runs, explain=False):
    """(rows counted, queries of one call, median ms, p95 ms, SQL ms): SQL ms, with explain=True, is the sum of
    EXPLAIN ANALYZE's execution times of the call's queries (steadier than wall times on a loaded machine)."""
    from django.db import connection

    response = client.get(path, **headers)
    assert response.status_code == 200, (path, response.status_code, response.content[:200])
    queries = []
    with connection.execute_wrapper(lambda execute, sql, params, *a: queries.append((sql, params))
                                    or execute(sql, params, *a)):
        client.get(path, **headers)
    sql_ms = sum(explained_ms(sql, params) for sql, params in queries) if explain else None
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(path, **headers)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return response.json()["count"], len(queries), samples[len(samples) // 2], percentile(samples, 95), sql_ms


def explained_ms(sql, params):
    """EXPLAIN ANALYZE's execution time of one query (0 for what is not a SELECT, e.g. the planner estimate)."""
    from django.db import connection

    if not sql.lstrip().upper().startswith("SELECT"):
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    return float((json.loads(plan) if isinstance(plan, str) else plan)[0]["Execution Time"])


def run(scale, runs, areas, explain=False):
    from django.contrib.auth import get_user_model
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from grids.models import OrgNode

    if scale is not None:
        migrate_s, seed_s = migrate_and_seed(scale)
        print(f"\nscale {scale}: migrate {migrate_s:.1f} s, seed_demo {seed_s:.1f} s")
    street = OrgNode.objects.get(code="JS01")
    community = OrgNode.objects.filter(parent=street).order_by("code").first()
    users = {"district (admin)": "admin", f"community sec-{community.code}": f"sec-{community.code}"}
    print(f"{'area':<14} {'list':<28} {'caller':<26} {'count':>9} {'queries':>8} {'median ms':>10} {'p95 ms':>8}"
          + (f" {'SQL ms':>8}" if explain else ""))
    print("-" * (119 if explain else 110))
    client = Client(HTTP_HOST="127.0.0.1")
    for area in areas:
        for label, username in users.items():
            token = Token.objects.get_or_create(user=get_user_model().objects.get(username=username))[0]
            headers = {"HTTP_AUTHORIZATION": f"Token {token.key}", "HTTP_X_FORWARDED_PROTO": "https"}
            rows = [(path, *measure(client, f"{path}?page_size=50", headers, runs, explain))
                    for path in AREAS[area]]
            biggest = max(rows, key=lambda r: r[1])[0]
            for path, count, queries, median, p95, sql_ms in rows:
                mark = " *" if path == biggest else ""
                print(f"{area:<14} {path + mark:<28} {label:<26} {count:>9,} {queries:>8} {median:>10.1f} "
                      f"{p95:>8.1f}" + (f" {sql_ms:>8.1f}" if explain else ""))
    print("\n* the biggest list of the area for that caller")


def member_pages(runs, deep_page):
    """The member list, first and deep page, by page number and by cursor (API) and in the admin changelist, as
    district staff and as a street secretary: queries of one call, median and p95 ms. The deep page by number
    is measured with the page-number bound lifted (what the bound saves), then asked for as a caller would
    (400)."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from core import api as core_api
    from core.pagination import keyset_encode, keyset_terms
    from grids.models import OrgNode
    from members.records.selectors import member_list
    from tests.second_factor import pass_second_factor

    street = OrgNode.objects.filter(level=1).order_by("code").first()
    users = {"district (admin)": "admin", f"street sec-{street.code}": f"sec-{street.code}"}
    client = Client(HTTP_HOST="127.0.0.1")
    print(f"\n{'member list':<44} {'caller':<22} {'rows':>9} {'queries':>8} {'median ms':>10} {'p95 ms':>8}")
    print("-" * 106)
    for label, username in users.items():
        user = get_user_model().objects.get(username=username)
        token = Token.objects.get_or_create(user=user)[0]
        api = {"HTTP_AUTHORIZATION": f"Token {token.key}", "HTTP_X_FORWARDED_PROTO": "https"}
        client.force_login(user)
        pass_second_factor(client, user)
        admin = {"HTTP_X_FORWARDED_PROTO": "https"}
        members = member_list(user=user).order_by("org_id", "name", "id")
        total = members.count()
        page = min(deep_page, max(1, total // 50))
        terms = keyset_terms(members)
        before_row = members.values_list("org_id", "name", "id")[(page - 1) * 50 - 1] if page > 1 else None
        deep_cursor = keyset_encode(terms, list(before_row)) if before_row else ""
        cases = [
            ("admin changelist, first page", "/admin/members/member/", admin, None),
            (f"admin changelist, page {page}", f"/admin/members/member/?p={page}", admin, None),
            ("API page number, first page", "/api/v1/members/?page_size=50", api, None),
            (f"API page number, page {page} (bound lifted)", f"/api/v1/members/?page_size=50&page={page}", api,
             10**9),
            ("API cursor, first page", "/api/v1/members/?page_size=50&cursor=", api, None),
            (f"API cursor, at row {(page - 1) * 50 + 1:,}", f"/api/v1/members/?page_size=50&cursor={deep_cursor}",
             api, None),
        ]
        for name, path, headers, bound in cases:
            saved = core_api.PAGE_NUMBER_ROWS
            if bound:
                core_api.PAGE_NUMBER_ROWS = bound
            try:
                queries, median, p95 = _timed_get(client, path, headers, runs)
            finally:
                core_api.PAGE_NUMBER_ROWS = saved
            print(f"{name:<44} {label:<22} {total:>9,} {queries:>8} {median:>10.1f} {p95:>8.1f}")
        if page * 50 > core_api.PAGE_NUMBER_ROWS:
            refused = client.get(f"/api/v1/members/?page_size=50&page={page}", **api)
            print(f"{'API page number, page ' + str(page):<44} {label:<22} answers {refused.status_code}")


def _timed_get(client, path, headers, runs):
    from django.db import connection

    response = client.get(path, **headers)
    assert response.status_code == 200, (path, response.status_code, response.content[:300])
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)):
        client.get(path, **headers)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(path, **headers)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return len(queries), samples[len(samples) // 2], percentile(samples, 95)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--area", action="append", choices=sorted(AREAS), help="only this area (repeatable)")
    parser.add_argument("--members", action="store_true",
                        help="the member list only: first and deep page by number and by cursor, API and admin")
    parser.add_argument("--deep-page", type=int, default=2000, help="the deep page of --members (pages of 50)")
    parser.add_argument("--existing", action="store_true",
                        help="measure DATABASE_URL's database as it is (a seeded copy) instead of a scratch one")
    parser.add_argument("--explain", action="store_true",
                        help="the lists by area: also each call's SQL time from EXPLAIN ANALYZE (the steady figure)")
    args = parser.parse_args()
    if args.existing:
        os.environ["DEBUG"] = "0"
        os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinshui.settings")
        import django

        django.setup()
        if args.members:
            member_pages(args.runs, args.deep_page)
        else:
            run(None, args.runs, args.area or list(AREAS), args.explain)
        return
    with scratch_database("apilists"):
        if args.members:
            migrate_and_seed(args.scale)
            member_pages(args.runs, args.deep_page)
        else:
            run(args.scale, args.runs, args.area or list(AREAS), args.explain)


if __name__ == "__main__":
    main()
