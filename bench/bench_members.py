#!/usr/bin/env python
"""Benchmark of member work: a 5,000-row Excel import, and a branch's pages, at scale 1 and 10.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jinshui .venv/bin/python bench/bench_members.py --scale 1

Builds a scratch database (bench/scratch.py) with the district (demo/tree.py) and the members app's demo
data (demo/members.py; the other apps' demo data is not needed here), then measures:
- member_import of a 5,000-row .xlsx (read + validate + write, all or nothing) by district staff and by a
  community secretary into their own grids, and the validation of a file with 5,000 rows of which 1 is bad;
- a 5,000-row points import and a 5,000-row dues import by the community secretary (members of their
  community), then the same dues sheet again with the payments filled in (5,000 updates): read, validate and
  write seconds and queries;
- the branch page (points ranking + political birthdays) and the development / points / filing admin lists
  for a community secretary: queries and median ms.
"""

import argparse
import datetime
import time

from scratch import timed, scratch_database


def _sheet(rows, grid_codes, start):
    from members.imports.engine import template_dataset
    from members.records.models import Member
    from members.records.validators import make_id_number

    taken = set(Member.objects.values_list("id_number", flat=True))
    data = template_dataset()
    numbers, k = [], start
    while len(numbers) < rows:
        birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=k % 12000)
        number = make_id_number("410103", birth, 950 + k // 12000 % 50)
        k += 1
        if number not in taken:
            numbers.append(number)
    for n in range(rows):
        data.append([f"导入{n}", "", "汉族", "", numbers[n],
                     f"139{n:08d}", "", datetime.date(2010, 7, 1), datetime.date(2011, 7, 1), "正式党员", "",
                     grid_codes[n % len(grid_codes)]])
    return data


def run(scale, runs):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client

    from demo import tree as grid_demo
    from grids.models import OrgNode
    from demo import members as demo
    from members.imports.engine import load_dataset, member_import
    from tests.second_factor import pass_second_factor

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    with transaction.atomic():
        grid_demo.build(scale)
        lines = demo.seed(scale=scale, seed=2026, hashed_password=None)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as seed_demo does: bulk-loaded tables have no planner statistics yet
    print(f"\nscale {scale}: migrate + seed {time.perf_counter() - started:.1f} s; members demo: {lines}")
    User = get_user_model()
    admin = User.objects.get(username="admin")
    community = OrgNode.objects.filter(level=2).order_by("code").first()
    secretary = User.objects.get(username=f"sec-{community.code}")
    grids = list(OrgNode.objects.filter(parent=community).values_list("code", flat=True))

    for label, actor, codes, start in (("district staff", admin, grids, 0), (f"sec-{community.code}", secretary,
                                                                           grids, 5000)):
        content = _sheet(5000, codes, start).export("xlsx")
        t0 = time.perf_counter()
        dataset = load_dataset(content, "members.xlsx")
        t1 = time.perf_counter()
        queries = []
        with connection.execute_wrapper(lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)):
            result = member_import(actor=actor, dataset=dataset)
        t2 = time.perf_counter()
        assert result.written and result.created == 5000, result.errors[:3]
        print(f"import 5,000 rows as {label:<24} read {t1 - t0:5.2f} s  validate+write {t2 - t1:5.2f} s  "
              f"queries {len(queries)}")
    bad = _sheet(5000, grids, 20000)
    bad[4999] = tuple(list(bad[4999])[:11] + ["NOPE"])
    t0 = time.perf_counter()
    result = member_import(actor=secretary, dataset=bad)
    print(f"validate 5,000 rows with 1 bad (nothing written)   {time.perf_counter() - t0:5.2f} s  "
          f"errors: {[str(e) for e in result.errors]}")

    _records_imports(secretary, community)

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(secretary)
    pass_second_factor(client, secretary)  # the staff pages ask for it (accounts.scopes.requires_second_factor)
    pages = [f"/members/branches/{community.pk}/", "/members/birthdays/", "/admin/members/candidate/",
             "/admin/members/stagefiling/", "/admin/members/pointentry/", "/admin/members/member/"]
    print(f"{'page':<40} {'queries':>8} {'median ms':>10} {'min ms':>8}")
    for path in pages:
        response = client.get(path, HTTP_X_FORWARDED_PROTO="https")
        assert response.status_code == 200, (path, response.status_code)
        queries = []
        with connection.execute_wrapper(lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)):
            client.get(path, HTTP_X_FORWARDED_PROTO="https")
        _r, median, fastest = timed(lambda: client.get(path, HTTP_X_FORWARDED_PROTO="https"), runs)
        print(f"{path:<40} {len(queries):>8} {median:>10.1f} {fastest:>8.1f}")


def _records_imports(secretary, community):
    """5,000 points rows, 5,000 dues rows, then the dues again as payments (updates)."""
    from django.db import connection

    from members.imports import engine as imports
    from members.imports.engine import load_dataset, sheet_import, template_dataset
    from members.records.models import Member

    members = list(Member.objects.filter(org__path__startswith=community.path).order_by("pk").values_list(
        "id_number", "name")[:5000])
    assert len(members) == 5000, len(members)
    write_seconds = {}
    for sheet in imports.SHEETS.values():
        def write(self, items, _original=sheet.write):
            started = time.perf_counter()
            counts = _original(self, items)
            write_seconds["last"] = time.perf_counter() - started
            return counts
        sheet.write = write

    def points():
        data = template_dataset("points")
        for n, (number, name) in enumerate(members):
            data.append([number, name, datetime.date(2026, 1, 1) + datetime.timedelta(days=n % 300), "志愿服务",
                         2, f"社区志愿服务{n}"])
        return data

    def dues(paid):
        data = template_dataset("dues")
        for n, (number, name) in enumerate(members):
            data.append([number, name, "2026年10月", "在职", 3000 + n % 9000, "" if not paid else 40,
                         "" if not paid else datetime.date(2026, 11, 5), ""])
        return data

    for label, kind, data in (("points", "points", points()), ("dues (new)", "dues", dues(False)),
                              ("dues (payments: updates)", "dues", dues(True))):
        content = data.export("xlsx")
        t0 = time.perf_counter()
        dataset = load_dataset(content, f"{kind}.xlsx")
        t1 = time.perf_counter()
        queries = []
        write_seconds["last"] = 0.0
        with connection.execute_wrapper(lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)):
            result = sheet_import(kind=kind, actor=secretary, dataset=dataset)
        t2 = time.perf_counter()
        assert result.written and result.created + result.updated == 5000, result.errors[:3]
        write = write_seconds["last"]
        print(f"import 5,000 {label:<26} read {t1 - t0:5.2f} s  validate {t2 - t1 - write:5.2f} s  "
              f"write {write:5.2f} s  queries {len(queries):>3}  created {result.created} updated {result.updated}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with scratch_database("benchmembers"):
        run(args.scale, args.runs)


if __name__ == "__main__":
    main()
