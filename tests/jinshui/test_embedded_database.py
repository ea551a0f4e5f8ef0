"""The first-look demo runs on SQLite (scripts/demo): every migration must apply there too, including the ones
that install PostgreSQL-only triggers and constraints (they must skip themselves on SQLite).

Migrating from nothing takes about a minute of one core (Django renders the models' states), so the run starts
as soon as the test is collected (tests/conftest.py calls `start_migrating`) and goes on beside the other tests
on the second core; the test waits for it and checks its outcome."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NODE = "tests/jinshui/test_embedded_database.py::test_every_migration_applies_on_sqlite"

_running = {}


def _env(workdir):
    return {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'demo.sqlite3'}", "DEBUG": "1"}


def start_migrating():
    """`manage.py migrate` into a fresh SQLite file, in the background (its output goes to files)."""
    workdir = Path(tempfile.mkdtemp(prefix="jinshui-sqlite-migrate-"))
    with (workdir / "stdout").open("w") as out, (workdir / "stderr").open("w") as err:
        process = subprocess.Popen([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT,
                                   env=_env(workdir), stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    _running["migrate"] = (process, workdir)


def stop_migrating():
    """Stop a run the session did not wait for (the test deselected at run time or the session stopped early)."""
    process, workdir = _running.pop("migrate", (None, None))
    if process is not None:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


def test_every_migration_applies_on_sqlite():
    if "migrate" not in _running:  # run on its own (not through the session's collection)
        start_migrating()
    process, workdir = _running["migrate"]
    try:
        try:
            process.wait(timeout=300)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        assert process.returncode == 0, (workdir / "stderr").read_text()[-3000:]
        plan = subprocess.run([sys.executable, "manage.py", "showmigrations", "--plan"], check=False, cwd=ROOT,
                              env=_env(workdir), capture_output=True, text=True, timeout=120)
        assert plan.returncode == 0 and "[X]  members.0011_member_self_service_quizzes" in plan.stdout
        assert "[ ]" not in plan.stdout
    finally:
        stop_migrating()
