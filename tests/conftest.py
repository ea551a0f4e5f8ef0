"""Shared fixtures. The suite runs on real PostgreSQL and Redis: it stops at once if either is missing."""

import pytest
import redis
from django.conf import settings

from tests.factories import (
    BuildingGroupFactory,
    CommunityFactory,
    GridFactory,
    MemberFactory,
    Role,
    StreetFactory,
    UserFactory,
    grant,
)

PASSWORD = "Jinshui-test-2026"


def pytest_sessionstart(session):
    # Production's PBKDF2 (a million rounds) cost ~0.4 s for every test user made; the tests check who may sign
    # in and what they see, not the hash's strength, which the settings keep for production.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Text messages stay in memory (core.sms.backends.outbox; the `sms_outbox` fixture).
    settings.SMS_BACKEND = "core.sms.backends.LocmemBackend"
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine != "django.db.backends.postgresql":
        pytest.exit(f"The tests need PostgreSQL (DATABASE_URL); got {engine}. Run scripts/test.", returncode=3)
    if not settings.REDIS_URL:
        pytest.exit("The tests need Redis (REDIS_URL). Run scripts/test.", returncode=3)
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        pytest.exit(f"Redis at {settings.REDIS_URL} does not answer: {exc}", returncode=3)
    _quick_flush()


def pytest_collection_finish(session):
    # The SQLite migration check runs a minute of `migrate` in a subprocess: start it now, beside the test
    # database's creation and the tests before it (tests/jinshui/test_embedded_database.py).
    from tests.jinshui import test_embedded_database as sqlite_check

    if not session.config.option.collectonly and any(item.nodeid == sqlite_check.NODE for item in session.items):
        sqlite_check.start_migrating()


def pytest_sessionfinish(session):
    from tests.jinshui import test_embedded_database as sqlite_check

    sqlite_check.stop_migrating()


def _quick_flush():
    """The flush after each transactional test (browser, worker, fault, concurrency tests) empties every table,
    then sends post_migrate, which puts back the content types, permissions and job schedules.

    Django's flush is one TRUNCATE of all ~180 tables: PostgreSQL gives each table and index a new file, about
    3 s a flush, while the few rows a test wrote take milliseconds to DELETE. Same end state (every table empty,
    sequences left as they are); the triggers, the foreign keys' included, are off for that one transaction
    (session_replication_role = replica, as TRUNCATE fires no row trigger either), so the order of the deletes
    does not matter and the immutable tables' guards (assessment, accountability) do not refuse it. Needs a
    superuser (the test database's owner is one under scripts/test); anything else, and a flush that resets
    sequences, keeps Django's TRUNCATE.

    post_migrate's receivers then write in one transaction instead of ~75 (one commit, not one per row written
    by get_or_create and update_or_create), the same rows."""
    from django.core.management.commands import flush
    from django.db import transaction
    from django.db.backends.postgresql.operations import DatabaseOperations

    emit = flush.emit_post_migrate_signal

    def emit_post_migrate_signal(verbosity, interactive, db, **kwargs):
        with transaction.atomic(using=db):
            emit(verbosity, interactive, db, **kwargs)

    flush.emit_post_migrate_signal = emit_post_migrate_signal

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables or reset_sequences or not _is_superuser(self.connection):
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return ["SET LOCAL session_replication_role = replica"] + [
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};" for table in tables
        ]

    DatabaseOperations.sql_flush = sql_flush


def _is_superuser(connection):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser')")
        return cursor.fetchone()[0] == "on"


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Service and command messages are asserted in English (the msgids); pages get their language from the
    request as users do (LocaleMiddleware: Chinese by default), which tests assert in Chinese."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(monkeypatch):
    """`client.force_login(user)` stands for a whole sign-in, second factor included (tests/second_factor.py):
    the staff pages keep their two-factor guard on in every test."""
    from django.test import Client

    from tests.second_factor import pass_second_factor

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        pass_second_factor(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def sms_outbox():
    """The text messages sent during the test (core.sms.backends.LocmemBackend)."""
    from core.sms import backends as sms

    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture(autouse=True)
def _clear_cache(settings):
    from django.core.cache import cache

    cache.clear()
    # The query counts pinned by the tests read the grants on each request; tests/accounts/test_scope_cache.py
    # turns the stored scope on (SCOPE_CACHE_SECONDS) and pins what it saves.
    settings.SCOPE_CACHE_SECONDS = 0
    yield


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def tree(db):
    """Two streets, each with a community, a grid and a building group, and a member at each grid."""

    class Tree:
        pass

    t = Tree()
    t.street = StreetFactory(code="S01", name="经八路街道")
    t.community = CommunityFactory(code="S01C01", name="省委社区", parent=t.street)
    t.grid = GridFactory(code="S01C01G01", name="第一网格", parent=t.community)
    t.building = BuildingGroupFactory(code="S01C01G01B01", name="1号楼组", parent=t.grid)
    t.other_street = StreetFactory(code="S02", name="北林路街道")
    t.other_community = CommunityFactory(code="S02C01", name="鑫苑社区", parent=t.other_street)
    t.other_grid = GridFactory(code="S02C01G01", name="第一网格", parent=t.other_community)
    t.member = MemberFactory(org=t.grid, name="王明")
    t.other_member = MemberFactory(org=t.other_grid, name="李红")
    return t


@pytest.fixture
def district_user(db):
    return grant(UserFactory(username="district"), Role.DISTRICT_STAFF)


@pytest.fixture
def street_secretary(tree):
    return grant(UserFactory(username="sec-S01"), Role.STREET_SECRETARY, tree.street)


@pytest.fixture
def community_secretary(tree):
    return grant(UserFactory(username="sec-S01C01"), Role.COMMUNITY_SECRETARY, tree.community)


@pytest.fixture
def resident(db):
    return grant(UserFactory(username="resident-0001", is_staff=False), Role.RESIDENT)


__all__ = ["BuildingGroupFactory", "GridFactory"]


@pytest.fixture
def celery_worker_real(transactional_db):
    """A real Celery worker (solo pool, in a thread) consuming the real Redis broker.

    Needs a transactional database: the worker's thread has its own connection and sees only committed rows.
    """
    from celery.contrib.testing.worker import start_worker

    from jinshui.celery import app

    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=20) as worker:
        yield worker
