"""The first-look demo runs on SQLite (scripts/demo): every migration must apply there too, including the ones
that install PostgreSQL-only triggers and constraints (they must skip themselves on SQLite)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_migration_applies_on_sqlite(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}", "DEBUG": "1"}
    result = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    plan = subprocess.run([sys.executable, "manage.py", "showmigrations", "--plan"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert plan.returncode == 0 and "[X]  members.0011_member_self_service_quizzes" in plan.stdout
    assert "[ ]" not in plan.stdout
