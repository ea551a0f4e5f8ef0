"""Scaling out (README "Scaling out"): a read replica for the dashboard's refresh and the exports, PgBouncer in
transaction pooling, and the compose profile that runs several web and worker replicas."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.db import connection

from core import replica
from members.models import Member

ROOT = Path(__file__).resolve().parents[2]


def _python(code, **env):
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "DJANGO_SETTINGS_MODULE": "jinshui.settings", **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_settings_accept_a_replica_and_pgbouncer():
    seen = _python(
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({a: {'host': d['HOST'], 'name': d['NAME'], 'ssc': d.get('DISABLE_SERVER_SIDE_CURSORS'),"
        " 'mirror': d['TEST'].get('MIRROR')} for a, d in s.DATABASES.items()} | {'routers': s.DATABASE_ROUTERS,"
        " 'prepared': s.DATABASE_PREPARED_STATEMENTS}))",
        DATABASE_URL="postgres://u:p@pgbouncer:6432/jinshui", DATABASE_REPLICA_URL="postgres://u:p@replica:5432/jinshui",
        DATABASE_POOLER="pgbouncer")
    assert seen["default"] == {"host": "pgbouncer", "name": "jinshui", "ssc": True, "mirror": None}
    assert seen["replica"] == {"host": "replica", "name": "jinshui", "ssc": True, "mirror": "default"}
    assert seen["routers"] == ["core.replica.ReplicaRouter"]
    assert seen["prepared"] is False  # a prepared statement would stay with a server connection, not its client
    plain = _python("import json, django; django.setup(); from django.conf import settings as s; "
                    "print(json.dumps([sorted(s.DATABASES), s.DATABASE_PREPARED_STATEMENTS]))",
                    DATABASE_URL="postgres://u:p@db:5432/jinshui")
    assert plain == [["default"], True]  # no replica configured: everything on the one database


def test_the_router_sends_only_the_marked_reads_to_the_replica(monkeypatch):
    router = replica.ReplicaRouter()
    assert router.db_for_read(Member) is None  # no replica here: the default database
    monkeypatch.setattr(replica, "has_replica", lambda: True)
    assert router.db_for_read(Member) is None
    with replica.replica_reads():
        assert router.db_for_read(Member) == "replica"
        assert router.db_for_write(Member) is None  # writes never go to the replica
    assert router.db_for_read(Member) is None
    assert not router.allow_migrate("replica", "members") and router.allow_migrate("default", "members")


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_refresh_and_the_exports_read_from_a_real_replica_connection(tree):
    """A second connection (the test database named as the replica) serves the refresh's and the exports' reads;
    the primary sees none of them."""
    url = "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**{**settings.DATABASES["default"],
                                                            "HOST": settings.DATABASES["default"]["HOST"] or "127.0.0.1",
                                                            "PORT": settings.DATABASES["default"]["PORT"] or 5432})
    connection.close()
    seen = _python(
        "import json, django; django.setup()\n"
        "from django.db import connections\n"
        "from django.test.utils import CaptureQueriesContext\n"
        "from dashboard.services import refresh_all\n"
        "from core.downloads import sheet\n"
        "from members.models import Member\n"
        "from members.records.resources import MemberResource\n"
        "with CaptureQueriesContext(connections['default']) as primary, "
        "CaptureQueriesContext(connections['replica']) as rep:\n"
        "    scopes = refresh_all()['scopes']\n"
        "    rows = sheet('m', ['name'], Member.objects.values_list('name').order_by('pk')[:5]).height\n"
        "    exported = MemberResource().export(queryset=Member.objects.order_by('pk')[:5]).height\n"
        "print(json.dumps({'scopes': scopes, 'rows': rows, 'exported': exported,"
        " 'primary': [q['sql'] for q in primary.captured_queries], 'replica': len(rep.captured_queries)}))",
        DATABASE_URL=url, DATABASE_REPLICA_URL=url)
    assert seen["scopes"] >= 2 and seen["rows"] == seen["exported"] == 2  # the tree's two members
    assert seen["replica"] > 10
    assert seen["primary"] == []


def test_the_compose_scale_profile_runs_replicas_behind_pgbouncer():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    scaled = {name: s for name, s in services.items() if "scale" in s.get("profiles", [])}
    assert {"pgbouncer", "postgres-replica", "web-pool", "worker-pool", "balancer"} <= set(scaled)
    bouncer = scaled["pgbouncer"]["environment"]
    assert bouncer["POOL_MODE"] == "transaction" and "@postgres:5432/" in bouncer["DATABASE_URL"]
    for name in ("web-pool", "worker-pool"):
        service = scaled[name]
        assert service["deploy"]["replicas"] >= 2, name
        env = service["environment"]
        assert "@pgbouncer:" in env["DATABASE_URL"] and env["DATABASE_POOLER"] == "pgbouncer", name
        assert "@postgres-replica:5432/" in env["DATABASE_REPLICA_URL"], name
        assert "ports" not in service  # reached through the balancer only
    conf = (ROOT / "deploy" / "balancer.conf").read_text()
    assert "web-pool:8000" in conf and any(v.endswith(":/etc/nginx/conf.d/default.conf:ro")
                                          for v in scaled["balancer"]["volumes"])
    settings_source = (ROOT / "jinshui" / "settings.py").read_text()
    assert '"DATABASE_REPLICA_URL"' in settings_source and '"DATABASE_POOLER"' in settings_source
    # The replica is cloned from the primary, which must accept replication connections.
    init = services["postgres"]["volumes"]
    assert any("/docker-entrypoint-initdb.d/" in v for v in init)
    assert "pg_basebackup" in (ROOT / "deploy" / "replica-entrypoint.sh").read_text()
