"""Nothing is lost when Redis, a worker or the database fails: each case runs the failure for real (a private
redis-server stopped or frozen, a Celery worker SIGKILLed, a private PostgreSQL restarted under load) and ends with
0 lost and 0 duplicated. See tests/faults/conftest.py for the machinery."""

import io
import json
import subprocess
import sys
import time

import pytest
from django.db.models import Count
from django.urls import reverse

from assessment.models import Quarter, QuarterStatus, RankingRow, RankingSnapshot
from inbox.models import Message
from jobs.models import JobRun, Outbox, OutboxState
from jobs.outbox import sweep
from members.imports.models import ImportStatus, MemberImport
from members.records.models import Member
from tests.assessment.conftest import Q, make_plan, put_scores
from tests.members.test_import import row, xlsx_bytes

from .conftest import ROOT, PrivatePostgres, Worker, activity, waiting_on_lock, wait_for, worker_env

pytestmark = [pytest.mark.fault]

QUARTERLY = "assessment.quarterly_ranking"


@pytest.fixture
def quarter(tree, district_user, street_secretary, community_secretary):
    """A quarter with a plan per level and scores, ready to publish."""
    from assessment.models import UnitLevel

    for level in UnitLevel.values:
        make_plan(level)
    put_scores(tree.street, Q, [80, 80, 80])
    put_scores(tree.other_street, Q, [60, 60, 60])
    put_scores(tree.community, Q, [70, 70, 70])
    put_scores(tree.other_community, Q, [90, 90, 90])
    return Q


def _upload(client, numbers):
    upload = io.BytesIO(xlsx_bytes([row(n) for n in numbers]))
    upload.name = "members.xlsx"
    return client.post(reverse("members:import"), {"file": upload})


def _all_done(seconds=40):
    """Sweep (as beat's relay does every minute) until every outbox row is done."""
    def done():
        sweep()
        return not Outbox.objects.exclude(state=OutboxState.DONE).exists()

    wait_for(done, seconds, "every outbox row to be done: "
             + str(list(Outbox.objects.values_list("label", "state", "last_error"))))


def _ranked_once(quarter):
    """The quarter's ranking exists exactly once: one snapshot per level, one row per unit, one ledger row, no
    message twice."""
    assert JobRun.objects.filter(job=QUARTERLY, period=quarter, done=True).count() == 1
    assert sorted(RankingSnapshot.objects.filter(quarter=quarter).values_list("level", flat=True)) == [
        "community", "department", "street"]
    rows = RankingRow.objects.filter(snapshot__quarter=quarter)
    assert not rows.values("snapshot", "org", "department").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert rows.filter(snapshot__level="street").count() == 2
    assert not Message.objects.values("recipient", "key").annotate(n=Count("id")).filter(n__gt=1).exists()


def _imported_once(job, numbers):
    """The import is done and each of its members exists exactly once."""
    job.refresh_from_db()
    assert (job.status, job.created, job.written) == (ImportStatus.DONE, len(numbers), True), job.errors
    names = [f"导入{n}" for n in numbers]
    assert Member.objects.filter(name__in=names).count() == len(numbers)  # 0 lost, 0 duplicated
    assert not Member.objects.values("id_number").annotate(n=Count("id")).filter(n__gt=1).exists()


def test_redis_stopped_during_the_hand_offs_then_started(client, quarter, district_user, community_secretary,
                                                         fault_settings, worker, redis_server):
    """Publish and a background upload while Redis is down: both answer at once and normally; once Redis is back
    the sweep hands both over, and each is done exactly once."""
    worker.start()
    redis_server.stop()
    try:
        client.force_login(district_user)
        started = time.monotonic()
        response = client.post(reverse("assessment:quarter-action", args=[Q, "publish"]), {"exception_reason": "部分单位未评分"})
        assert response.status_code == 302 and time.monotonic() - started < 5
        assert Quarter.objects.get(key=Q).status == QuarterStatus.PUBLISHED
        client.force_login(community_secretary)
        started = time.monotonic()
        response = _upload(client, range(1, 9))
        assert response.status_code == 302 and time.monotonic() - started < 5
        body = client.get(response["Location"]).content.decode()
        assert "排队中，稍后处理" in body and "无法将该文件读取为电子表格" not in body
        assert set(Outbox.objects.values_list("state", flat=True)) == {OutboxState.PENDING}
        assert not RankingSnapshot.objects.exists()
    finally:
        redis_server.start()
    _all_done()
    _ranked_once(Q)
    _imported_once(MemberImport.objects.get(), range(1, 9))


def test_redis_frozen_during_requests(client, quarter, district_user, community_secretary, fault_settings, worker,
                                      redis_server):
    """SIGSTOP on Redis: each hand-off request answers within a few seconds (the broker's socket timeout), the work
    waits in the outbox, and is done exactly once after SIGCONT."""
    worker.start()
    redis_server.freeze()
    try:
        client.force_login(district_user)
        started = time.monotonic()
        response = client.post(reverse("assessment:quarter-action", args=[Q, "publish"]), {"exception_reason": "部分单位未评分"})
        publish_seconds = time.monotonic() - started
        client.force_login(community_secretary)
        started = time.monotonic()
        upload = _upload(client, range(1, 9))
        upload_seconds = time.monotonic() - started
    finally:
        redis_server.thaw()
    assert response.status_code == 302 and upload.status_code == 302
    assert publish_seconds < 8 and upload_seconds < 8, (publish_seconds, upload_seconds)
    _all_done()
    _ranked_once(Q)
    _imported_once(MemberImport.objects.get(), range(1, 9))


def test_worker_child_killed_during_an_import(client, tree, community_secretary, fault_settings, worker, db_lock):
    """The pool process dies in the middle of the import's write transaction (members inserted, not committed):
    the message comes back (acks late, reject on worker lost), the import restarts from scratch, and each member
    exists once."""
    history_table = Member.history.model._meta.db_table
    worker.start()
    with db_lock.cursor() as cursor:
        cursor.execute(f'LOCK TABLE "{history_table}" IN EXCLUSIVE MODE')  # the write will wait here
    client.force_login(community_secretary)
    numbers = range(1, 41)
    assert _upload(client, numbers).status_code == 302
    job = MemberImport.objects.get()
    wait_for(lambda: waiting_on_lock(db_lock, f'INSERT INTO "{history_table}"'), 30,
             lambda: f"the import to reach its write: {activity(db_lock)} {worker.describe()}")
    worker.kill_child()
    db_lock.rollback()  # the dead child's transaction is rolled back; nothing of it stays
    wait_for(lambda: MemberImport.objects.get(pk=job.pk).status == ImportStatus.DONE, 40, "the import to finish")
    _imported_once(job, numbers)
    entry = Outbox.objects.get()
    assert entry.state == OutboxState.DONE and entry.attempts == 2
    _all_done()
    time.sleep(0.5)
    _imported_once(job, numbers)


def test_whole_worker_killed_during_a_ranking(client, quarter, district_user, fault_settings, worker, db_lock):
    """The whole worker (main process and pool) dies while it ranks: once a worker runs again, the sweep re-sends
    the job whose lease lapsed, and the quarter is ranked exactly once."""
    snapshots = RankingSnapshot._meta.db_table
    worker.start()
    with db_lock.cursor() as cursor:
        cursor.execute(f'LOCK TABLE "{snapshots}" IN EXCLUSIVE MODE')  # the ranking's first snapshot waits here
    client.force_login(district_user)
    assert client.post(reverse("assessment:quarter-action", args=[Q, "publish"]), {"exception_reason": "部分单位未评分"}).status_code == 302
    wait_for(lambda: waiting_on_lock(db_lock, f'INSERT INTO "{snapshots}"'), 30,
             lambda: f"the ranking to start: {activity(db_lock)} {worker.describe()}")
    worker.kill()
    db_lock.rollback()
    assert Outbox.objects.get().state == OutboxState.RUNNING  # a dead worker's lease
    worker.start()
    _all_done()
    _ranked_once(Q)
    assert Outbox.objects.get().attempts == 2


def test_postgres_restarted_under_a_write_load(transactional_db, tree, community_secretary, tmp_path, media_root,
                                               broker):
    """A private PostgreSQL cluster stopped and started again while requests write and a worker runs their jobs:
    requests during the outage fail (nothing of them stays), every acknowledged one is done exactly once, and
    neither the worker nor the web side is restarted."""
    from django.db import connection

    cluster = PrivatePostgres()
    cluster.init()
    cluster.pg_ctl("start")
    try:
        _copy_test_database(connection.settings_dict, cluster)
        env = worker_env(database_url=cluster.url("faults"), redis_url=broker.url(1), media_root=media_root)
        worker = Worker(env, tmp_path / "worker.log")
        worker.start()
        try:
            load = subprocess.Popen([sys.executable, "-m", "tests.faults.load", "16", community_secretary.username],
                                    cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            def read_until(prefix, count):
                seen = 0
                while seen < count:
                    line = load.stdout.readline()
                    assert line, load.stderr.read()[-3000:]
                    seen += line.startswith(prefix)

            read_until("ok", 4)  # a few requests in, the database goes down (its connections are cut) ...
            cluster.pg_ctl("stop", "-m", "fast")
            read_until("error", 2)  # ... requests fail meanwhile ...
            cluster.pg_ctl("start")  # ... and it comes back
            out, err = load.communicate(timeout=90)
            assert load.returncode == 0, err[-3000:]
            report = json.loads(out.strip().splitlines()[-1])
        finally:
            worker.stop()
        _check_load(cluster, report)
    finally:
        cluster.pg_ctl("stop", "-m", "immediate")
        cluster.remove()


def _copy_test_database(conf, cluster):
    """The test database (schema, migrations' rows and the test's seed) into the private cluster."""
    admin = cluster.connect("postgres")
    admin.autocommit = True
    admin.cursor().execute("CREATE DATABASE faults")
    admin.close()
    dump = subprocess.run(["/usr/lib/postgresql/15/bin/pg_dump", "-h", conf["HOST"], "-p", str(conf["PORT"] or 5432),
                           "-U", conf["USER"], "--no-owner", conf["NAME"]], capture_output=True, check=True)
    subprocess.run(["/usr/lib/postgresql/15/bin/psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                    "-p", str(cluster.port), "-U", "postgres", "-d", "faults"], input=dump.stdout,
                   capture_output=True, check=True)


def _check_load(cluster, report):
    from tests.faults.load import day

    acknowledged, failed = report["acknowledged"], report["failed"]
    assert len(acknowledged) + len(failed) == 16 and failed, f"the restart hit no request: {report}"
    conn = cluster.connect("faults")
    with conn.cursor() as cursor:
        cursor.execute("SELECT state, count(*) FROM jobs_outbox GROUP BY state")
        assert dict(cursor.fetchall()).keys() == {"done"}
        cursor.execute("SELECT file_name, status, created FROM members_memberimport")
        imports = {name: (status, created) for name, status, created in cursor.fetchall()}
        cursor.execute("SELECT name, count(*) FROM members_member WHERE name LIKE '导入%%' GROUP BY name")
        members = dict(cursor.fetchall())
        cursor.execute("SELECT period, count(*) FROM jobs_jobrun WHERE job = 'servicecenters.daily' GROUP BY period")
        runs = dict(cursor.fetchall())
    conn.close()
    for i in acknowledged:  # 0 lost
        assert imports[f"load-{i}.xlsx"] == ("done", 3)
        assert all(members.get(f"导入{100 + 3 * i + k}") == 1 for k in range(3)), i
        assert runs.get(day(i)) == 1
    assert set(members.values()) == {1}  # 0 duplicated
    assert len(members) == 3 * len(imports) and all(v == ("done", 3) for v in imports.values())
    assert set(runs.values()) == {1}
