#!/usr/bin/env python
"""Benchmark of the quarterly ranking at scale 1 and 10: time and number of queries.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jinshui .venv/bin/python bench/bench_ranking.py --scales 1 10

For each scale a child process creates its own scratch database (jinshui_ranking_<pid>), migrates it,
builds the tree and accounts at that scale (grids.demo, without party members: the ranking does not
read them), adds the assessment demo data (departments, plans, four quarters of scores, ranked), then
copies the last quarter's scores into the current quarter and times

- the ranking alone (`take_snapshots`: totals aggregated in SQL, one snapshot and bulk rows per level),
- the whole quarterly job through the ledger (lock the quarter, rank, suggest interviews, send messages),
- the ranking page's selectors for district staff,

counting the queries of each. The scratch database is dropped at the end, whatever happens.
The query counts must be the same at every scale.
"""

import argparse
import json
import os
import subprocess
import sys
import time

from scratch import BASE_DIR, scratch_database


def one_scale(scale):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from demo import assessment as assessment_demo
    from assessment import jobs
    from assessment.models import Indicator, RankingRow, Score
    from core.periods import last_complete_quarter, next_quarter
    from assessment.ranking import take_snapshots
    from demo import tree as demo
    from jobs.ledger import run_once

    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate_s = time.perf_counter() - started

    today = timezone.localdate()
    counts = demo.Counts(**{**demo.JINSHUI.__dict__, "members": 0, "residents": 0})
    started = time.perf_counter()
    with transaction.atomic():
        plan = demo.generate(scale, counts=counts, today=today)
        demo.insert(plan)
    tree_s = time.perf_counter() - started
    from django.contrib.auth import get_user_model

    hashed = get_user_model().objects.get(username="admin").password
    started = time.perf_counter()
    with transaction.atomic():
        lines = assessment_demo.seed(scale=scale, seed=2026, hashed_password=hashed, today=today)
    seed_s = time.perf_counter() - started

    # The current quarter gets a copy of the last complete quarter's scores.
    last = last_complete_quarter(today)
    current = next_quarter(last)
    year = int(current[:4])
    target = {(i.plan.level, i.position): i for i in Indicator.objects.filter(plan__year=year).select_related("plan")}
    copies = []
    for s in Score.objects.filter(quarter=last).select_related("indicator"):
        ind = target[(s.level, s.indicator.position)]
        copies.append(Score(quarter=current, level=s.level, org_id=s.org_id, department_id=s.department_id,
                            indicator=ind, score=min(s.score, ind.max_score), max_score=ind.max_score,
                            weight=ind.weight, evidence="bench"))
    Score.objects.bulk_create(copies, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    results = {"scale": scale, "migrate_s": migrate_s, "tree_s": tree_s, "assessment_seed_s": seed_s,
               "seed_lines": [(str(label), n) for label, n in lines], "scores": len(copies)}

    # 1. The ranking alone, in a transaction rolled back (so that the job can take the same quarter after).
    with transaction.atomic():
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            summary, suggestions = take_snapshots(current)
            results["ranking_ms"] = (time.perf_counter() - t0) * 1000
        results["ranking_queries"] = len(ctx.captured_queries)
        results["rows"] = RankingRow.objects.filter(snapshot__quarter=current).count()
        results["summary"] = summary
        transaction.set_rollback(True)

    # 2. The whole job through the ledger, then once more (a no-op).
    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        result, ran = run_once(jobs.QUARTERLY, current)
        results["job_ms"] = (time.perf_counter() - t0) * 1000
    results["job_queries"] = len(ctx.captured_queries)
    results["job_messages"] = result["messages"]
    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        _result, ran_again = run_once(jobs.QUARTERLY, current)
        results["rerun_ms"] = (time.perf_counter() - t0) * 1000
    results["rerun_queries"] = len(ctx.captured_queries)
    assert ran and not ran_again

    # 3. The ranking page's reads for district staff (a fresh user object: the scope query counts).
    from assessment import selectors

    admin = get_user_model().objects.get(username="admin")
    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        rows = list(selectors.ranking_rows(user=admin, quarter=current, level="community"))
        list(selectors.trend(user=admin, level="community", quarters=[last, current],
                             unit_ids=[r.org_id for r in rows[:8]]))
        results["page_ms"] = (time.perf_counter() - t0) * 1000
    results["page_queries"] = len(ctx.captured_queries)
    results["page_rows"] = len(rows)
    print("RESULT " + json.dumps(results, ensure_ascii=False, default=str))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--one-scale", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_scale:
        with scratch_database("ranking"):
            one_scale(args.one_scale)
        return
    table = []
    for scale in args.scales:
        print(f"scale {scale} …", flush=True)
        out = subprocess.run(
            [sys.executable, __file__, "--one-scale", str(scale)], cwd=BASE_DIR, env=os.environ.copy(),
            capture_output=True, text=True, check=False,
        )
        lines = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
        if out.returncode or not lines:
            print(out.stdout[-3000:], out.stderr[-3000:])
            sys.exit(f"scale {scale} failed")
        table.append(json.loads(lines[-1][len("RESULT "):]))
    print()
    for r in table:
        print(f"scale {r['scale']}: tree {r['tree_s']:.1f} s, assessment demo data {r['assessment_seed_s']:.1f} s "
              f"({', '.join(f'{label} {n:,}' for label, n in r['seed_lines'])})")
    print()
    print(f"{'':<34}" + "".join(f"{'scale ' + str(r['scale']):>22}" for r in table))
    rows = [
        ("units ranked (rows written)", lambda r: f"{r['rows']:,}"),
        ("scores read", lambda r: f"{r['scores']:,}"),
        ("ranking: time", lambda r: f"{r['ranking_ms']:.0f} ms"),
        ("ranking: queries", lambda r: str(r["ranking_queries"])),
        ("quarterly job: time", lambda r: f"{r['job_ms']:.0f} ms"),
        ("quarterly job: queries", lambda r: str(r["job_queries"])),
        ("quarterly job: messages sent", lambda r: str(r["job_messages"])),
        ("job run again: time", lambda r: f"{r['rerun_ms']:.1f} ms"),
        ("job run again: queries", lambda r: str(r["rerun_queries"])),
        ("ranking page reads: time", lambda r: f"{r['page_ms']:.0f} ms"),
        ("ranking page reads: queries", lambda r: str(r["page_queries"])),
    ]
    for label, fmt in rows:
        print(f"{label:<34}" + "".join(f"{fmt(r):>22}" for r in table))
    same = all(len({r[k] for r in table}) == 1 for k in ("ranking_queries", "job_queries", "page_queries"))
    print("\nquery counts " + ("do not grow with the number of units" if same else "DIFFER between scales"))


if __name__ == "__main__":
    main()
