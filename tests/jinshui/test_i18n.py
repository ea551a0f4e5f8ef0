"""The Chinese catalog is complete, compiled, and the UI speaks Chinese by default and English on request."""

import gettext
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def _entries(path):
    """(msgid, msgstr, msgctxt) of each entry of a .po file, without a parser dependency."""
    import ast

    entries, current, key = [], {}, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("#~"):
            continue
        if line.startswith(("msgctxt ", "msgid ", "msgstr ", "msgid_plural ", "msgstr[0] ")):
            key, _, rest = line.partition(" ")
            current[key] = ast.literal_eval(rest)
        elif line.startswith('"') and key:
            current[key] += ast.literal_eval(line)
        elif not line.strip():
            if current.get("msgid"):
                entries.append((current["msgid"], current.get("msgstr") or current.get("msgstr[0]", ""),
                                current.get("msgctxt")))
            current, key = {}, None
    return entries


def test_every_message_is_translated():
    untranslated = [msgid for msgid, msgstr, _ in _entries(PO) if not msgstr]
    assert not untranslated, untranslated


def test_compiled_catalog_matches_the_source():
    with MO.open("rb") as fh:
        catalog = gettext.GNUTranslations(fh)
    def compiled(msgid, context):
        return catalog.pgettext(context, msgid) if context else catalog.gettext(msgid)

    stale = [msgid for msgid, msgstr, ctx in _entries(PO) if msgstr and compiled(msgid, ctx) != msgstr]
    assert not stale, f"run manage.py compilemessages: {stale[:5]}"


def test_no_source_string_is_missing_from_the_catalog(tmp_path):
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT, copy,
        ignore=shutil.ignore_patterns(".venv", ".git", "staticfiles", "node_modules", "screenshots", "tests", "media"),
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-location", "-v0"],
        cwd=copy, check=True, capture_output=True, timeout=120,
    )
    fresh = {(msgid, ctx) for msgid, _, ctx in _entries(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")}
    known = {(msgid, ctx) for msgid, _, ctx in _entries(PO)}
    assert not fresh - known, f"run makemessages and translate: {sorted(fresh - known)}"


@pytest.mark.django_db
def test_chinese_by_default_english_on_request(client, district_user):
    client.force_login(district_user)
    zh = client.get("/admin/").content.decode()
    assert "金水区基层党建平台" in zh and "四级网格" in zh
    en = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Jinshui District party-building portal" in en and "Four-level grid" in en


@pytest.mark.django_db
def test_times_are_shown_in_beijing_time(settings):
    import datetime

    from django.utils import timezone

    settings.USE_TZ = True
    moment = datetime.datetime(2026, 11, 25, 16, 30, tzinfo=datetime.UTC)
    assert timezone.localtime(moment).hour == 0  # 16:30 UTC is 00:30 the next day in Asia/Shanghai
    assert settings.TIME_ZONE == "Asia/Shanghai"


def test_catalog_placeholders_match():
    if not shutil.which("msgfmt"):
        pytest.fail("msgfmt (gettext) is missing: scripts/test installs it")
    result = subprocess.run(["msgfmt", "--check-format", "-o", "/dev/null", str(PO)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
