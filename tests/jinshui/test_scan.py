"""scripts/scan.py, CI's dependency and code scans: what fails the run and what only warns."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("scan", ROOT / "scripts" / "scan.py")
scan = importlib.util.module_from_spec(spec)
spec.loader.exec_module(scan)


def dep(name, vulns=(), skip=None):
    row = {"name": name, "version": "1.0", "vulns": list(vulns)}
    if skip:
        row = {"name": name, "skip_reason": skip}
    return row


def test_a_known_vulnerability_fails():
    report = {"dependencies": [dep("django", [{"id": "PYSEC-2099-1", "aliases": ["CVE-2099-1"],
                                              "fix_versions": ["9.9"]}]), dep("celery")]}
    code, lines = scan.audit_verdict(report, 1)
    assert code == 1 and "django 1.0: PYSEC-2099-1 (fixed in: 9.9)" in "\n".join(lines)


def test_a_reviewed_vulnerability_may_be_ignored(monkeypatch):
    monkeypatch.setattr(scan, "IGNORED_VULNERABILITIES", {"CVE-2099-1": "does not apply: reason"})
    report = {"dependencies": [dep("django", [{"id": "PYSEC-2099-1", "aliases": ["CVE-2099-1"]}])]}
    assert scan.audit_verdict(report, 1)[0] == 0


def test_an_unreachable_service_warns_and_passes():
    code, lines = scan.audit_verdict(None, 1, "requests.exceptions.ConnectionError: pypi.org unreachable")
    assert code == 0 and lines[0].startswith("WARNING") and "ConnectionError" in lines[0]
    report = {"dependencies": [dep("django", skip="Dependency not found on PyPI"), dep("celery", skip="x")]}
    code, lines = scan.audit_verdict(report, 0)
    assert code == 0 and lines[0].startswith("WARNING") and "none of the 2" in lines[0]


def test_a_clean_audit_passes():
    code, lines = scan.audit_verdict({"dependencies": [dep("django"), dep("celery", skip="x")]}, 0)
    assert code == 0 and "1 pinned packages audited" in lines[0]


def test_scripts_test_runs_the_scans_before_pytest():
    script = (ROOT / "scripts" / "test").read_text()
    assert script.index("scripts/scan.py") < script.index(".venv/bin/pytest")
    assert scan.IGNORED_VULNERABILITIES == {}
