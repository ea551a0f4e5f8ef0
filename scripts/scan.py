"""CI's dependency and code scans, run by scripts/test before the tests.

1. pip-audit on the pinned requirements (requirements.txt pins every package, transitive ones too, so it is
   audited as written: no resolver, no install). It asks PyPI's vulnerability data over the network. Any known
   vulnerability fails the run, unless its id is listed in IGNORED_VULNERABILITIES below with the reason. When the
   service cannot be reached, or knows none of the pinned versions (a mirror without PyPI's JSON API), a clear
   warning is printed and the run goes on: the scan could not be done, which is not a finding.
2. bandit on the portal's own code, high severity only (-lll): any finding fails the run.

Usage: .venv/bin/python scripts/scan.py [--skip-audit] [--skip-bandit]
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
APPS = ["accounts", "assessment", "community", "core", "dashboard", "demo", "grids", "inbox", "jinshui", "jobs",
        "members", "servicecenters"]

#: Vulnerability ids (PYSEC-…, GHSA-…, CVE-…) accepted after review, each with why it does not apply. Empty: none.
IGNORED_VULNERABILITIES = {}


def audit_verdict(report, returncode, stderr=""):
    """(exit code, lines to print) for a pip-audit JSON report (None when it wrote none)."""
    if report is None:
        reason = (stderr.strip().splitlines() or [f"pip-audit exited with {returncode}"])[-1]
        return 0, [f"WARNING: the dependency audit could not run (vulnerability service unreachable?): {reason}",
                   "WARNING: no dependency was checked for known vulnerabilities in this run."]
    dependencies = report.get("dependencies", [])
    found, skipped = [], []
    for dep in dependencies:
        if dep.get("skip_reason"):
            skipped.append(dep)
            continue
        for vuln in dep.get("vulns", []):
            ids = {vuln.get("id")} | set(vuln.get("aliases", []))
            if ids & set(IGNORED_VULNERABILITIES):
                continue
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fixed version yet"
            found.append(f"{dep['name']} {dep.get('version')}: {vuln.get('id')} (fixed in: {fixes})")
    lines = []
    if found:
        lines.append(f"FAIL: {len(found)} known vulnerabilit{'y' if len(found) == 1 else 'ies'} in the pinned "
                     "requirements:")
        lines += [f"  {line}" for line in found]
        return 1, lines
    audited = len(dependencies) - len(skipped)
    if dependencies and not audited:
        lines.append(f"WARNING: the vulnerability service knows none of the {len(dependencies)} pinned versions "
                     f"(e.g. {skipped[0].get('skip_reason')}); nothing could be audited in this run.")
    else:
        lines.append(f"pip-audit: {audited} pinned packages audited, no known vulnerability"
                     + (f" ({len(skipped)} not known to the service: not audited)" if skipped else "") + ".")
    return 0, lines


def run_audit():
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "audit.json"
        result = subprocess.run(
            [str(BIN / "pip-audit"), "-r", str(ROOT / "requirements.txt"), "--no-deps", "--disable-pip",
             "--progress-spinner", "off", "--timeout", "20", "-f", "json", "-o", str(out)],
            capture_output=True, text=True, timeout=600,
        )
        report = None
        if out.exists() and out.stat().st_size:
            try:
                report = json.loads(out.read_text())
            except ValueError:
                report = None
        if report is None and result.returncode == 0:
            report = {"dependencies": []}
    code, lines = audit_verdict(report, result.returncode, result.stderr)
    print("\n".join(lines))
    return code


def run_bandit():
    result = subprocess.run(
        [str(BIN / "bandit"), "-q", "-r", *APPS, "-lll", "-x", "*/migrations/*"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    if result.returncode != 0:
        print("FAIL: bandit found high-severity issues (or could not run):")
        print(result.stdout + result.stderr)
        return 1
    print("bandit: no high-severity issue in the portal's code.")
    return 0


def main(argv):
    status = 0
    if "--skip-audit" not in argv:
        status |= run_audit()
    if "--skip-bandit" not in argv:
        status |= run_bandit()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
