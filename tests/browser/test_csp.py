"""The Content-Security-Policy in chromium: the API docs (Swagger UI from drf-spectacular-sidecar) and the
two-factor pages work under it with nothing refused. Every browser test checks the same through `new_page`
(tests/browser/conftest.py): the admin, the dashboard's and the assessment's charts, the phone pages."""

import pytest

from tests.second_factor import totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_api_docs_render_under_the_policy(live_server, page, screenshot):
    response = page.goto(f"{live_server.url}/api/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Jinshui" in page.locator(".swagger-ui .info .title").inner_text()
    page.wait_for_selector(".opblock-tag")  # (a long list is virtualised: no .opblock-tag-section then)
    page.locator(".opblock-summary-path", has_text="/api/v1/auth/token/").first.click()
    page.wait_for_selector(".opblock-body")
    assert "otp" in page.locator(".opblock.is-open").inner_text()
    screenshot(page)


def test_two_factor_set_up_in_a_browser(live_server, page, screenshot, community_secretary, password):
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    page.goto(f"{live_server.url}/admin/login/?next=/dashboard/")
    page.fill("#id_username", community_secretary.username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("#login-form [type=submit]")
    assert "/accounts/2fa/setup/" in page.url
    assert page.locator(".second-factor-qr svg").is_visible()
    screenshot(page, "setup")
    device = TOTPDevice.objects.get(user=community_secretary)
    page.fill("#id_code", f"{TOTP(device.bin_key).token():06d}")
    with page.expect_navigation():
        page.click("#second-factor-form [type=submit]")
    assert page.locator("#recovery-codes li").count() == 10
    screenshot(page, "codes")
    with page.expect_navigation():
        page.click("#second-factor-continue")
    assert page.url.endswith("/dashboard/")
    device.refresh_from_db()
    assert device.confirmed and totp_code(device)
