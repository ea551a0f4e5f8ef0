#!/usr/bin/env python
"""Benchmark of the assessment and community lists of the REST API, as district staff and as a community secretary.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jinshui .venv/bin/python bench/api_lists.py --scale 10

Seeds a scratch database (see bench/scratch.py), then calls each list (page_size 50) through Django's test client
with token authentication: the rows the caller sees (count), SQL queries per call, and the median and p95
latency of --runs calls. The biggest list of each area is the one with the largest count.

Measured 2026-11-30 at scale 10 on the shared 2-core machine under heavy load (load average 15-20; medians are
upper bounds), page_size 50, 11 runs:

    area        biggest list     caller                 count  queries  median ms  p95 ms
    assessment  scores/          district (admin)      45,114        3      166.2   216.2
    assessment  rankings/        community JS01-C01         4        4       88.5   110.2
    community   star-ratings/    district (admin)      25,520        3      202.9   260.0
    community   star-ratings/    community JS01-C01        12        4       66.7    86.3

Every list runs 2-5 queries whatever its size (count, page, the caller's scope, prefetches).
"""

import argparse

from scratch import migrate_and_seed, percentile, scratch_database

LISTS = {
    "assessment": ["scores", "rankings", "inspections", "findings", "interviews", "assessment-plans"],
    "community": ["two-new-orgs", "instructors", "stations", "resident-units", "pairings", "joint-meetings",
                  "resident-issues", "village-visits", "star-ratings", "weak-orgs", "red-homes", "dues-refunds"],
}


def run(scale, runs):
    import time

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from grids.models import OrgNode

    migrate_s, seed_s = migrate_and_seed(scale)
    street = OrgNode.objects.get(code="JS01")
    community = OrgNode.objects.filter(parent=street).order_by("code").first()
    users = {"district (admin)": "admin", f"community sec-{community.code}": f"sec-{community.code}"}
    print(f"\nscale {scale}: migrate {migrate_s:.1f} s, seed_demo {seed_s:.1f} s")
    print(f"{'area':<11} {'endpoint':<34} {'caller':<28} {'count':>8} {'queries':>8} {'median ms':>10} {'p95 ms':>8}")
    print("-" * 112)
    client = Client(HTTP_HOST="127.0.0.1")
    for label, username in users.items():
        token = Token.objects.get_or_create(user=get_user_model().objects.get(username=username))[0]
        headers = {"HTTP_AUTHORIZATION": f"Token {token.key}", "HTTP_X_FORWARDED_PROTO": "https"}
        for area, routes in LISTS.items():
            for route in routes:
                path = f"/api/v1/{route}/?page_size=50"
                response = client.get(path, **headers)
                if response.status_code != 200:
                    print(f"{area:<11} {path:<34} {label:<28} answered {response.status_code}")
                    continue
                queries = []
                with connection.execute_wrapper(lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)):
                    client.get(path, **headers)
                samples = []
                for _ in range(runs):
                    started = time.perf_counter()
                    client.get(path, **headers)
                    samples.append((time.perf_counter() - started) * 1000)
                samples.sort()
                print(f"{area:<11} {path:<34} {label:<28} {response.json()['count']:>8,} {len(queries):>8} "
                      f"{samples[len(samples) // 2]:>10.1f} {percentile(samples, 95):>8.1f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with scratch_database("benchlists"):
        run(args.scale, args.runs)


if __name__ == "__main__":
    main()
