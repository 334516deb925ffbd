"""Browser fixtures: one headless Debian Chromium per test session, a fresh context and page per test.

The app runs in pytest-django's `live_server` (a threaded WSGI server in this process, serving static
files locally), so every test uses a transactional database and sees the data it builds with the shared
fixtures (`org`, `users`, `customer_a`, ...) in the browser.

Nothing is downloaded: Chromium is the Debian package (CHROMIUM_PATH, default /usr/bin/chromium), never a
`playwright install` build. Any request that leaves the live server fails the test.

Screenshots: set BROKERDESK_SCREENSHOTS=/some/dir to keep the named screenshots the journeys take;
a failing test always leaves a full-page screenshot in $BROKERDESK_VAR_DIR/browser-failures/.
"""

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1440, "height": 900}
# Requests the page may make without reaching the network.
_LOCAL_SCHEMES = ("data:", "blob:", "about:")


@pytest.fixture(scope="session")
def playwright_session() -> Iterator:
    """Playwright's sync API, started once for the session.

    Playwright's sync API drives the browser from an asyncio event loop that it runs in *this* thread
    (switching to it through greenlets). From the moment it starts, Django sees a running event loop in
    the test thread and refuses every ORM call there (fixtures building data, flushes between tests,
    audit checks) with SynchronousOnlyOperation, although those calls are plain synchronous code and
    nothing else runs on that loop. DJANGO_ALLOW_ASYNC_UNSAFE turns that guard off. It is set here,
    only while Playwright runs, rather than when this conftest is imported: collection imports this
    file even for `pytest -m "not browser"`, and the rest of the suite must keep the guard (Channels
    consumers and other async code must not touch the ORM from the loop).
    """
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    manager = sync_playwright().start()
    try:
        yield manager
    finally:
        manager.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(playwright_session) -> Iterator:
    executable = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not Path(executable).is_file():
        pytest.fail(f"no Chromium at {executable}: apt-get install chromium fonts-noto-cjk, or set CHROMIUM_PATH")
    browser = playwright_session.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


class PageProblems:
    """What went wrong in the page that the test's own assertions might not see."""

    def __init__(self, allowed_origin: str):
        self.allowed_origin = allowed_origin
        self.external_requests: list[str] = []
        self.js_errors: list[str] = []

    def on_request(self, request) -> None:
        url = request.url
        if not (url.startswith(self.allowed_origin + "/") or url.startswith(_LOCAL_SCHEMES)):
            self.external_requests.append(url)

    def on_page_error(self, error) -> None:
        self.js_errors.append(str(error))


def _new_page(browser, live_server, **options):
    """A page in a new browser context (no cookies) on the live server, in Chinese as the staff's browsers are,
    recording requests off the live server and uncaught JavaScript errors."""
    context = browser.new_context(**{
        "base_url": live_server.url,
        "locale": "zh-CN",  # Accept-Language: zh-CN -> the app's default language, zh-hans
        "timezone_id": "Asia/Shanghai",
        "viewport": VIEWPORT,
        **options,
    })
    context.set_default_timeout(10_000)
    problems = PageProblems(live_server.url)
    context.on("request", problems.on_request)
    new_page = context.new_page()
    new_page.on("pageerror", problems.on_page_error)
    new_page.problems = problems
    return new_page


def _close_checked(opened_page, request, name: str) -> None:
    """Close a test's page: a full-page screenshot first if the test failed; then no external request and no
    JavaScript error may have happened."""
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        target = Path(os.environ.get("BROKERDESK_VAR_DIR", "var/test")) / "browser-failures"
        target.mkdir(parents=True, exist_ok=True)
        opened_page.screenshot(path=str(target / f"{_safe_name(name)}.png"), full_page=True)
    opened_page.context.close()
    problems = opened_page.problems
    assert not problems.external_requests, f"the page reached outside the live server: {problems.external_requests}"
    assert not problems.js_errors, f"uncaught JavaScript errors: {problems.js_errors}"


@pytest.fixture
def page(browser, live_server, request) -> Iterator:
    """A new browser context (no cookies) on the live server, in Chinese as the staff's browsers are."""
    new_page = _new_page(browser, live_server)
    yield new_page
    _close_checked(new_page, request, request.node.name)


@pytest.fixture
def open_page(browser, live_server, request) -> Iterator:
    """open_page(**context_options): a page in a new browser context (a second person at another desk, or a
    phone), watched like the `page` fixture's: no request off the live server, no uncaught JavaScript error."""
    opened = []

    def _open(**options):
        opened.append(_new_page(browser, live_server, **options))
        return opened[-1]

    yield _open
    for i, opened_page in enumerate(opened):
        _close_checked(opened_page, request, f"{request.node.name}-{i + 1}")


@pytest.fixture
def screenshot(page):
    """screenshot(name): keep a full-page screenshot when BROKERDESK_SCREENSHOTS names a folder."""

    def _take(name: str) -> Path | None:
        folder = os.environ.get("BROKERDESK_SCREENSHOTS")
        if not folder:
            return None
        path = Path(folder) / f"{_safe_name(name)}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
        return path

    return _take


def sign_in_on(page, user) -> None:
    """Sign in through the login form, as a person would; ends on the home page."""
    from playwright.sync_api import expect

    from tests.factories import PASSWORD

    page.goto("/login/")
    form = page.locator("form:has(input[name=password])")
    form.locator("input[name=username]").fill(user.username)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("current-user")).to_contain_text(str(user))


def zh(text) -> str:
    """A (lazy) message as the zh-hans pages show it."""
    from django.utils import translation

    with translation.override("zh-hans"):
        return str(text)


@pytest.fixture
def sign_in(page):
    """sign_in(user): sign_in_on the test's page."""
    return lambda user: sign_in_on(page, user)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Keep the call phase's report on the test item so the page fixture can screenshot failures.
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
