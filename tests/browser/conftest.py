"""Browser tests: Debian's chromium driven by Playwright against pytest-django's live server.

Playwright's sync API runs an event loop in the test thread, and Django then refuses sync ORM
calls from that thread (SynchronousOnlyOperation) unless told it is safe, as it is here.

Static files come the production way: WhiteNoise serving the collected, hashed files from STATIC_ROOT,
so run `manage.py collectstatic` first (scripts/test does).
"""

import os
import re
import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="module", autouse=True)
def _allow_sync_orm_beside_playwright():
    # Playwright's sync API runs an event loop in this thread; Django would then refuse the test's own
    # ORM calls (and the database flush between tests). Set for the browser modules only, from before
    # the browser starts until after it stops, so that nothing else (check --deploy) inherits it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, but without its finder-based static handler.

    That handler looks files up by their source names and answers 404 to the hashed names that
    CompressedManifestStaticFilesStorage puts in pages; WhiteNoise (in MIDDLEWARE) serves them instead.
    """
    from django.conf import settings
    from django.contrib.staticfiles.storage import staticfiles_storage
    from pytest_django.live_server_helper import LiveServer

    manifest = getattr(staticfiles_storage, "manifest_name", None)
    if manifest and not (Path(settings.STATIC_ROOT) / manifest).exists():
        pytest.fail(f"No {manifest} in {settings.STATIC_ROOT}: run `manage.py collectstatic --noinput` first")
    addr = request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost"
    server = LiveServer(addr, start=False)
    server.thread.static_handler = lambda app: app
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser(_allow_sync_orm_beside_playwright):
    # Module scope: Playwright's event loop must be gone before the next module's (sync) tests run.
    from playwright.sync_api import sync_playwright

    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.fail(f"chromium not found at {CHROMIUM} (apt-get install chromium, or run scripts/test)")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def new_page(browser):
    """Open a page in a fresh context (own cookies and language); fails the test on a broken asset, a script
    error or anything the Content-Security-Policy refused."""
    contexts, failures = [], []

    def open_page(locale="zh-CN"):
        context = browser.new_context(
            locale=locale, timezone_id="Asia/Shanghai", viewport={"width": 1440, "height": 900}
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: failures.append(f"script error: {exc}"))
        # Anything the Content-Security-Policy refused (an inline script or style, a foreign source) fails too.
        page.on("console", lambda msg: failures.append(f"refused by the CSP: {msg.text}")
                if "Content Security Policy" in msg.text else None)
        page.on(
            "response",
            lambda r: failures.append(f"{r.status} {r.url}") if "/static/" in r.url and r.status >= 400 else None,
        )
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not failures, failures


@pytest.fixture
def page(new_page):
    return new_page("zh-CN")


@pytest.fixture
def sign_in(live_server, password):
    """Sign in through the real /admin/login/ form, and through the second-factor page with the code of the user's
    authenticator (tests/second_factor.py) when they must pass one."""

    def do_sign_in(page, user, next_path="/admin/"):
        from accounts.scopes import forget_scope, requires_second_factor
        from tests.second_factor import authenticator, totp_code

        device = authenticator(user) if requires_second_factor(user) else None
        forget_scope(user)
        page.goto(f"{live_server.url}/admin/login/?next={next_path}")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        with page.expect_navigation():
            page.click("#login-form [type=submit]")
        assert "/admin/login/" not in page.url, page.locator(".errornote").all_inner_texts()
        if device is not None:
            assert "/accounts/2fa/verify/" in page.url, page.url
            page.fill("#id_code", totp_code(device))
            with page.expect_navigation():
                page.click("#second-factor-form [type=submit]")
            assert "/accounts/2fa/" not in page.url, page.locator(".errornote").all_inner_texts()
        assert page.locator("#user-tools").is_visible()
        return page

    return do_sign_in


@pytest.fixture
def screenshot(request):
    """Save a full-page screenshot as screenshots/<test name>[-<label>].png (cheap, so always)."""

    def take(page, label=""):
        SCREENSHOTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name) + (f"-{label}" if label else "")
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
