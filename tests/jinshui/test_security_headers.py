"""Content-Security-Policy and the other security headers on every kind of page, and no inline script anywhere.

The policy (jinshui/settings.py CONTENT_SECURITY_POLICY) allows scripts and styles from the portal's own files
only, so a page must carry no <script> body, no on…= handler and no style="…" attribute: the templates are
checked as files, and the pages as served (staff, residents, center staff, anonymous visitors, the admin, the API
docs, error pages). tests/browser/test_csp.py checks in chromium that nothing is refused.
"""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import Role, RoleGrant
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
STYLE_ATTR = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.I)


def inline_code(html):
    """What the policy would refuse: inline scripts, event-handler attributes, style attributes and elements."""
    found = []
    for name, pattern in (("script", INLINE_SCRIPT), ("handler", HANDLER), ("style", STYLE_ATTR),
                          ("style element", STYLE_ELEMENT)):
        found += [f"{name}: {m.group(0)[:120]}" for m in pattern.finditer(html)]
    return found


def test_the_policy_allows_no_inline_code():
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    for directive in ("script-src", "style-src", "default-src"):
        assert directives[directive] == ["'self'"], directive
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]


def _templates():
    dirs = [ROOT / "templates"] + [p for p in ROOT.glob("*/templates") if ".venv" not in p.parts]
    return sorted(p for d in dirs for p in d.rglob("*.html"))


def test_no_template_has_inline_code():
    templates = _templates()
    assert len(templates) > 40
    offenders = {str(p.relative_to(ROOT)): inline_code(p.read_text(encoding="utf-8")) for p in templates}
    offenders = {k: v for k, v in offenders.items() if v}
    assert not offenders, offenders


@pytest.fixture
def world(tree, district_user, community_secretary, resident):
    from servicecenters.models import Booking, BookingStatus
    from tests.servicecenters.factories import CenterFactory, RoomFactory

    center = CenterFactory(code="SC01", name="凤凰台党群服务中心")
    room = RoomFactory(center=center, name="多功能活动室", capacity=20)
    center_staff = UserFactory(username="center-SC01", is_staff=False)
    RoleGrant.objects.create(user=center_staff, role=Role.CENTER_STAFF, center_id=center.pk)
    start = datetime.datetime.combine(datetime.date.today() + datetime.timedelta(days=2), datetime.time(9),
                                      tzinfo=datetime.UTC)
    Booking.objects.create(room=room, resident=resident, start=start, end=start + datetime.timedelta(hours=1),
                           attendees=3, status=BookingStatus.CONFIRMED)
    inspector = grant(UserFactory(username="inspector-01"), Role.INSPECTOR)
    return {"tree": tree, "district": district_user, "secretary": community_secretary, "resident": resident,
            "center": center, "room": room, "center_staff": center_staff, "inspector": inspector}


def _pages(w):
    t = w["tree"]
    return {
        None: [
            "/admin/login/", "/m/login/", "/m/signup/", "/api/docs/", "/no-such-page/",
        ],
        "district": [
            "/admin/", "/admin/members/member/", f"/admin/members/member/{t.member.pk}/change/",
            "/admin/members/member/add/", f"/admin/members/member/{t.member.pk}/history/", "/admin/grids/orgnode/",
            f"/admin/grids/orgnode/{t.grid.pk}/change/", "/admin/auth/user/", "/admin/community/duesrefund/",
            "/admin/accounts/rolegrant/add/", "/admin/password_change/",
            "/dashboard/", "/assessment/", "/assessment/scores/2026Q1/", "/assessment/inspections/",
            "/assessment/interviews/", "/assessment/year/", f"/assessment/units/org/{t.street.pk}/",
            "/members/birthdays/", "/members/import/", f"/members/branches/{t.grid.pk}/", "/inbox/",
        ],
        "inspector": ["/assessment/inspections/new/"],
        "secretary": ["/admin/members/member/", "/dashboard/", "/members/birthdays/"],
        "resident": [
            "/m/", "/m/party/", f"/m/centers/{w['center'].pk}/", f"/m/rooms/{w['room'].pk}/", "/m/bookings/",
            "/m/search/?date=2030-01-07&start=09:00&end=10:00&people=2", "/inbox/", "/dashboard/",
        ],
        "center_staff": ["/m/staff/", "/m/staff/occupancy/"],
    }


def test_every_page_kind_has_the_policy_and_no_inline_code(world):
    checked, failures = 0, []
    for who, paths in _pages(world).items():
        client = Client()
        if who is not None:
            client.force_login(world[who])
        for path in paths:
            response = client.get(path, follow=True)
            assert response.status_code in (200, 403, 404), (who, path, response.status_code)
            policy = response.get("Content-Security-Policy", "")
            if "script-src 'self'" not in policy or "unsafe-inline" in policy or "unsafe-eval" in policy:
                failures.append((who, path, "policy", policy))
            for header, value in (("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
                                  ("Referrer-Policy", "same-origin")):
                if response.get(header) != value:
                    failures.append((who, path, header, response.get(header)))
            if "text/html" in response.get("Content-Type", ""):
                found = inline_code(response.content.decode())
                if found:
                    failures.append((who, path, found))
            checked += 1
    assert not failures, failures
    assert checked >= 40


def test_second_factor_pages_have_no_inline_code(community_secretary, password):
    client = Client()
    client.post("/admin/login/", {"username": community_secretary.username, "password": password})
    for path in ("/accounts/2fa/setup/",):
        response = client.get(path)
        assert response.status_code == 200 and 'class="segno"' in response.content.decode()
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert not inline_code(response.content.decode())


def test_swagger_start_up_script_is_a_file():
    client = Client()
    page = client.get("/api/docs/").content.decode()
    script = re.search(r'<script src="(/api/docs/\?[^"]*script[^"]*)"', page)
    assert script, page
    response = client.get(script.group(1).replace("&amp;", "&"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in response.content.decode()
