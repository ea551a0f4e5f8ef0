#!/usr/bin/env python
"""Benchmark of the list endpoints (/api/v1/orgs/, /api/v1/members/) for a district user and a secretary.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jinshui .venv/bin/python bench/bench_api.py --scale 1

Seeds a scratch database (see bench/scratch.py), then calls each endpoint through Django's test client
with token authentication, as district staff (admin), a street secretary and a community secretary,
page_size 50 and 500: median and p95 latency of --runs calls, and the number of SQL queries per call.
"""

import argparse

from scratch import migrate_and_seed, percentile, scratch_database


def run(scale, runs):
    import time

    from django.db import connection
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from grids.models import OrgNode

    migrate_s, seed_s = migrate_and_seed(scale)
    street = OrgNode.objects.get(code="JS01")
    community = OrgNode.objects.filter(parent=street).order_by("code").first()
    users = {"district (admin)": "admin", f"street sec-{street.code}": f"sec-{street.code}",
             f"community sec-{community.code}": f"sec-{community.code}"}
    print(f"\nscale {scale}: migrate {migrate_s:.1f} s, seed_demo {seed_s:.1f} s")
    print(f"{'endpoint':<42} {'caller':<28} {'count':>8} {'queries':>8} {'median ms':>10} {'p95 ms':>8}")
    print("-" * 110)
    client = Client(HTTP_HOST="127.0.0.1")
    for label, username in users.items():
        from django.contrib.auth import get_user_model

        token = Token.objects.get_or_create(user=get_user_model().objects.get(username=username))[0]
        headers = {"HTTP_AUTHORIZATION": f"Token {token.key}", "HTTP_X_FORWARDED_PROTO": "https"}
        for path in ("/api/v1/orgs/?page_size=50", "/api/v1/orgs/?page_size=500",
                     "/api/v1/members/?page_size=50", "/api/v1/members/?page_size=500",
                     f"/api/v1/members/?page_size=50&subtree={community.pk}"):
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
            median = samples[len(samples) // 2]
            print(f"{path:<42} {label:<28} {response.json()['count']:>8,} {len(queries):>8} "
                  f"{median:>10.1f} {percentile(samples, 95):>8.1f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with scratch_database("benchapi"):
        run(args.scale, args.runs)


if __name__ == "__main__":
    main()
