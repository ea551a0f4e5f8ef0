#!/usr/bin/env python
"""Benchmark of the demo seed and the tree queries on a scratch PostgreSQL database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jinshui .venv/bin/python bench/bench_tree.py --scale 1

DATABASE_URL only says which server to use: the script creates its own scratch database there
(jinshui_bench_<pid>), migrates it, runs `seed_demo --scale N --force`, times the subtree
queries (median of --runs runs after a warm-up), prints EXPLAIN for them, and drops the scratch
database at the end, whatever happens. DEBUG is forced off (no query logging during the timings).
"""

import argparse

from scratch import migrate_and_seed, scratch_database
from scratch import timed as _timed


def _plan_summary(queryset):
    lines = queryset.explain().splitlines()
    first = lines[0].strip()
    index_line = next((line.strip() for line in lines if "Index" in line), None)
    if index_line and index_line != first:
        return f"{first}\n      … {index_line}"
    return first


def run(scale, runs):
    from django.contrib.auth import get_user_model

    from grids.models import OrgNode
    from members.records.models import Member
    from members.records.selectors import member_list

    migrate_s, seed_s = migrate_and_seed(scale)

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

    # The alternative without a materialised path: walk parent_id with a recursive CTE (what an
    # adjacency list alone would need). Same answer, measured beside the prefix scan.
    def recursive_members(node=street):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                """WITH RECURSIVE sub(id) AS (SELECT id FROM grids_orgnode WHERE id = %s
                   UNION ALL SELECT c.id FROM grids_orgnode c JOIN sub ON c.parent_id = sub.id)
                   SELECT m.* FROM members_member m JOIN sub ON m.org_id = sub.id""",
                [node.pk],
            )
            return len(cursor.fetchall())

    measure(f"street {street.code}: members fetch, recursive CTE", recursive_members)
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
    with scratch_database("bench"):
        run(args.scale, args.runs)


if __name__ == "__main__":
    main()
