"""The fault tests' machinery: a private redis-server, a private PostgreSQL cluster and a real Celery worker, each a
process of its own on a free port, so that stopping, freezing or killing them leaves the rest of the suite alone.

The worker runs the portal's code against the test database (or the private cluster) and the private Redis; the
test process hands work over through the same private Redis (the Celery app's broker is pointed at it for the
module). Every helper waits with a deadline and fails loudly: nothing is skipped.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2
import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, seconds, what):
    """Poll `condition()` until it is true; AssertionError naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {seconds}s waiting for {what() if callable(what) else what}")


class RedisServer:
    """A redis-server of the test's own (no persistence: a restart loses its queue, as a crashed one may)."""

    def __init__(self, workdir):
        self.port = free_port()
        self.workdir = workdir
        self.process = None

    def url(self, db=0):
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        wait_for(lambda: _pings(client), 10, "redis-server to start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(10)

    def freeze(self):
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self):
        self.process.send_signal(signal.SIGCONT)


def _pings(client):
    try:
        return client.ping()
    except redis.RedisError:
        return False


class Worker:
    """`celery worker` (prefork, one child) of the portal in a process group of its own."""

    def __init__(self, env, log):
        self.env, self.log = env, log
        self.process = None

    def start(self):
        self.log.write_text("")
        handle = self.log.open("a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "jinshui", "worker", "-P", "prefork", "-c", "1",
             "-n", f"fault-{os.getpid()}-{time.monotonic_ns()}@%h", "--without-gossip", "--without-mingle",
             "--without-heartbeat", "-l", "INFO"],
            cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(lambda: " ready." in self.log.read_text() or self.process.poll() is not None, 60,
                 "the worker to start")
        assert self.process.poll() is None, self.log.read_text()[-3000:]

    def describe(self):
        """The worker's log, after asking every process of it for its threads' stacks (celery's SIGUSR1)."""
        for pid in self.child_pids():  # PYTHONFAULTHANDLER: a pool process prints every thread's stack and exits
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGABRT)
        time.sleep(1)
        tree = subprocess.run(["ps", "-o", "pid,ppid,stat,wchan:20,etime,cmd", "--ppid", str(self.process.pid), "-p",
                               str(self.process.pid)], capture_output=True, text=True).stdout
        return tree + self.log.read_text()[-12000:]

    def child_pids(self):
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]

    def kill_child(self):
        """SIGKILL the pool process running the task (the worker itself lives on and forks another)."""
        children = self.child_pids()
        assert children, "the worker has no pool process"
        for pid in children:
            os.kill(pid, signal.SIGKILL)

    def kill(self):
        """SIGKILL the whole worker: the main process and its pool, at once."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self):
        if self.process and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGQUIT)  # cold shutdown: the test is over
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


class PrivatePostgres:
    """A PostgreSQL 15 cluster of the test's own: initdb into a temporary directory, pg_ctl to start, stop and
    restart it. The server runs as the postgres user (it refuses root)."""

    def __init__(self):
        self.port = free_port()
        # Not under pytest's tmp_path: the server's user must reach it (pytest's directories are root's, 0700).
        self.root = Path(tempfile.mkdtemp(prefix="jinshui-faults-pg-"))
        self.dir = self.root / "pgdata"
        self.sockets = self.root / "pgsock"

    def _as_postgres(self, *args, **kwargs):
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        result = subprocess.run(prefix + [str(a) for a in args], capture_output=True, text=True,
                                timeout=kwargs.pop("timeout", 60), **kwargs)
        assert result.returncode == 0, f"{args[0]} failed: {result.stdout[-2000:]} {result.stderr[-2000:]}"
        return result

    def init(self):
        for binary in ("initdb", "pg_ctl", "pg_dump", "psql"):
            assert (PG_BIN / binary).exists(), f"{PG_BIN / binary} is missing: install postgresql-15"
        self.root.chmod(0o755)
        self.sockets.mkdir()
        self.dir.mkdir()
        if os.geteuid() == 0:
            for path in (self.root, self.dir, self.sockets):
                shutil.chown(path, "postgres")
        self._as_postgres(PG_BIN / "initdb", "-D", self.dir, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                          "--locale=C", "--no-sync")

    def pg_ctl(self, action, *extra):
        options = (f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        self._as_postgres(PG_BIN / "pg_ctl", action, "-D", self.dir, "-w", "-t", "30", "-o", options,
                          "-l", self.dir / "server.log", *extra)

    def url(self, name):
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def connect(self, name):
        return psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=name)

    def remove(self):
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


def worker_env(*, database_url, redis_url, media_root, lease=2):
    env = dict(os.environ)
    env.update(DATABASE_URL=database_url, REDIS_URL=redis_url, MEDIA_ROOT=str(media_root),
               JOBS_LEASE_SECONDS=str(lease), PYTHONPATH=str(ROOT), DJANGO_SETTINGS_MODULE="jinshui.settings",
               LOG_LEVEL="WARNING", PYTHONFAULTHANDLER="1")
    return env


@pytest.fixture(scope="module")
def broker(redis_server):
    """Point this process's Celery app at the private Redis for the module (and back)."""
    from jinshui.celery import app

    def repoint(url):
        # Only drop the references: the pools are kombu's, shared by broker URL, and the suite's stays open.
        app._pool = None
        app.amqp._producer_pool = None
        app.conf.broker_url = url

    before = app.conf.broker_url
    repoint(redis_server.url())
    yield redis_server
    repoint(before)


@pytest.fixture
def fault_settings(settings, media_root, monkeypatch):
    """This process as the web side: the worker's media, a 2 s lease, the sweep sending at once."""
    from members.imports import engine

    settings.MEDIA_ROOT = media_root
    settings.JOBS_LEASE_SECONDS = 2
    settings.JOBS_SEND_GRACE_SECONDS = 0
    monkeypatch.setattr(engine, "BACKGROUND_ROWS", 5)
    return settings


@pytest.fixture
def worker(broker, media_root, transactional_db, tmp_path):
    """A real worker on the test database and the private Redis (started by the test: `worker.start()`)."""
    from django.db import connection

    conf = connection.settings_dict
    database_url = f"postgres://{conf['USER']}@{conf['HOST']}:{conf['PORT'] or 5432}/{conf['NAME']}"
    process = Worker(worker_env(database_url=database_url, redis_url=broker.url(), media_root=media_root),
                     tmp_path / "worker.log")
    yield process
    process.stop()


@pytest.fixture
def db_lock():
    """A second connection to the test database, to hold a lock the worker will wait on."""
    from django.db import connection

    conf = connection.settings_dict
    conn = psycopg2.connect(host=conf["HOST"], port=conf["PORT"] or 5432, user=conf["USER"], dbname=conf["NAME"])
    yield conn
    conn.rollback()
    conn.close()


def activity(conn):
    """What the database's backends are doing (for a failure's message)."""
    with conn.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT datname, state, wait_event_type, left(query, 120) FROM pg_stat_activity "
                       "WHERE backend_type = 'client backend'")
        return cursor.fetchall()


def waiting_on_lock(conn, query_start):
    """Whether a backend waits on a lock while running a statement that starts with `query_start`."""
    with conn.cursor() as cursor:
        # The lock's transaction would otherwise see its first snapshot of the statistics for ever.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s",
                       [query_start + "%"])
        return cursor.fetchone()[0] > 0
