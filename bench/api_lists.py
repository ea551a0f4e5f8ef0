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
"""

import argparse
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


def measure(client, path, headers, runs):
    """(rows counted, queries of one call, median ms, p95 ms)."""
    from django.db import connection

    response = client.get(path, **headers)
    assert response.status_code == 200, (path, response.status_code, response.content[:200])
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)):
        client.get(path, **headers)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(path, **headers)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return response.json()["count"], len(queries), samples[len(samples) // 2], percentile(samples, 95)


def run(scale, runs, areas):
    from django.contrib.auth import get_user_model
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from grids.models import OrgNode

    migrate_s, seed_s = migrate_and_seed(scale)
    street = OrgNode.objects.get(code="JS01")
    community = OrgNode.objects.filter(parent=street).order_by("code").first()
    users = {"district (admin)": "admin", f"community sec-{community.code}": f"sec-{community.code}"}
    print(f"\nscale {scale}: migrate {migrate_s:.1f} s, seed_demo {seed_s:.1f} s")
    print(f"{'area':<14} {'list':<28} {'caller':<26} {'count':>9} {'queries':>8} {'median ms':>10} {'p95 ms':>8}")
    print("-" * 110)
    client = Client(HTTP_HOST="127.0.0.1")
    for area in areas:
        for label, username in users.items():
            token = Token.objects.get_or_create(user=get_user_model().objects.get(username=username))[0]
            headers = {"HTTP_AUTHORIZATION": f"Token {token.key}", "HTTP_X_FORWARDED_PROTO": "https"}
            rows = [(path, *measure(client, f"{path}?page_size=50", headers, runs)) for path in AREAS[area]]
            biggest = max(rows, key=lambda r: r[1])[0]
            for path, count, queries, median, p95 in rows:
                mark = " *" if path == biggest else ""
                print(f"{area:<14} {path + mark:<28} {label:<26} {count:>9,} {queries:>8} {median:>10.1f} "
                      f"{p95:>8.1f}")
    print("\n* the biggest list of the area for that caller")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--area", action="append", choices=sorted(AREAS), help="only this area (repeatable)")
    args = parser.parse_args()
    with scratch_database("apilists"):
        run(args.scale, args.runs, args.area or list(AREAS))


if __name__ == "__main__":
    main()
