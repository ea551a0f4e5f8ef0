"""Backups that restore: scripts/backup dumps a small seeded database (real pg_dump, custom format) and its
media files, keeps 7 daily and 4 weekly backups; scripts/restore-drill restores the latest into a throwaway
database and checks every table's rows against the counts taken in the dump's snapshot."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.factories import MemberFactory

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not all(shutil.which(tool) for tool in ("pg_dump", "pg_restore", "psql")),
                       reason="needs the PostgreSQL client tools"),
]


def _env(tmp_path, **extra):
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {**os.environ, "DATABASE_URL": url, "BACKUP_DIR": str(tmp_path / "backups"),
            "MEDIA_ROOT": str(tmp_path / "media"), **extra}


def _run(script, env, *args):
    return subprocess.run([str(ROOT / "scripts" / script), *args], env=env, capture_output=True, text=True,
                          timeout=120)


def test_a_backup_restores_and_the_drill_checks_it(tree, district_user, tmp_path):
    MemberFactory.create_batch(5, org=tree.grid)
    (tmp_path / "media" / "imports").mkdir(parents=True)
    (tmp_path / "media" / "imports" / "党员.xlsx").write_bytes(b"PK...")
    drill_db = f"{connection.settings_dict['NAME']}_drill"[:60]
    env = _env(tmp_path, DRILL_DB=drill_db)
    made = _run("backup", env)
    assert made.returncode == 0, made.stderr
    backup = Path(made.stdout.strip())
    assert {p.name for p in backup.iterdir()} == {"database.dump", "media.tar.gz", "manifest.txt", "SHA256SUMS"}
    manifest = dict(line.split() for line in (backup / "manifest.txt").read_text().splitlines()
                    if not line.startswith("#"))
    assert manifest["public.members_member"] == "7" and manifest["media"] == "1"

    drill = _run("restore-drill", env)
    assert drill.returncode == 0, drill.stdout + drill.stderr
    assert "restore-drill: OK" in drill.stdout
    with connection.cursor() as cursor:  # the throwaway database is gone
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [drill_db])
        assert cursor.fetchone()[0] == 0

    # A backup that does not hold what the source held fails the drill.
    manifest_file = backup / "manifest.txt"
    manifest_file.write_text(manifest_file.read_text().replace("public.members_member 7", "public.members_member 8"))
    subprocess.run("sha256sum database.dump manifest.txt media.tar.gz > SHA256SUMS", shell=True, cwd=backup, check=True)
    failed = _run("restore-drill", env)
    assert failed.returncode == 1 and "MISMATCH public.members_member: source 8, restored 7" in failed.stdout


def test_retention_keeps_seven_daily_and_four_weekly(tree, tmp_path):
    env = _env(tmp_path, KEEP_DAILY="3", KEEP_WEEKLY="2")
    for _ in range(5):
        assert _run("backup", env).returncode == 0
    daily = sorted(p.name for p in (tmp_path / "backups" / "daily").iterdir())
    assert len(daily) == 3  # the newest three kept
    weekly = list((tmp_path / "backups" / "weekly").iterdir())
    assert len(weekly) == 1  # one per week
    assert "KEEP_DAILY=${KEEP_DAILY:-7}" in (ROOT / "scripts" / "backup").read_text()
    assert "KEEP_WEEKLY=${KEEP_WEEKLY:-4}" in (ROOT / "scripts" / "backup").read_text()


def test_compose_runs_the_backup_script_with_the_media_and_a_volume():
    import yaml

    service = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["backup"]
    assert service["image"].startswith("postgres:15") and "/scripts/backup" in " ".join(service["entrypoint"])
    assert {"./scripts:/scripts:ro", "media:/media:ro", "backups:/backups"} <= set(service["volumes"])
    assert service["environment"]["DATABASE_URL"].endswith("@postgres:5432/jinshui")
