"""Browser fixtures: Debian's headless Chromium driven by Playwright's sync API.

Every page made by ``open_page`` records console errors and uncaught page errors; each test ends
with ``assert_clean(page)`` so a page that logged an error fails its test. Screenshots are kept as
artifacts under ``artifacts/screenshots/`` at the repository root.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import RunningServer, require_or_skip

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "artifacts" / "screenshots"


@dataclass
class PageProblems:
    """What a page complained about: console errors (text, url) and uncaught exceptions."""

    console_errors: list[tuple[str, str]] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)


@pytest.fixture
def browser() -> Iterator:
    """Debian's headless Chromium for one test; every page opens in its own fresh context."""
    if not CHROMIUM.exists():
        require_or_skip(f"{CHROMIUM} is missing: apt-get install chromium fonts-wqy-microhei")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - the test extras install it
        require_or_skip(f"playwright is not installed: {exc}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def open_page(browser) -> Callable:
    """``open_page(width, height)``: a tab of that size in a context of its own (its own cookies,
    as a screen on another desk has), recording its errors on ``.problems``."""

    def make(width: int = 1920, height: int = 1080):
        context = browser.new_context(viewport={"width": width, "height": height},
                                      locale="zh-CN", timezone_id="Asia/Shanghai")
        context.set_default_timeout(15_000)
        page = context.new_page()
        problems = PageProblems()

        def on_console(message) -> None:
            if message.type == "error":
                problems.console_errors.append((message.text, message.location.get("url", "")))

        page.on("console", on_console)
        page.on("pageerror", lambda error: problems.page_errors.append(str(error)))
        page.problems = problems
        return page

    return make


def assert_clean(page, *, allow: Callable[[str, str], bool] | None = None) -> None:
    """Fail when the page logged a console error or threw; ``allow(text, url)`` excuses one."""
    problems: PageProblems = page.problems
    errors = [(text, url) for text, url in problems.console_errors
              if allow is None or not allow(text, url)]
    assert not problems.page_errors, f"uncaught page errors: {problems.page_errors}"
    assert not errors, f"console errors: {errors}"


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable:
    """``screenshot(page, label)`` → bytes, also saved as <test>-<W>x<H>[-label].png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    test_name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)

    def take(page, label: str = "") -> bytes:
        size = page.viewport_size or {"width": 0, "height": 0}
        name = f"{test_name}-{size['width']}x{size['height']}" + (f"-{label}" if label else "")
        return page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))

    return take


@pytest.fixture
def login(demo_server: RunningServer) -> Callable:
    """``login(page, username)``: log in through the /login form like a person would."""

    def do(page, username: str = "duty", password: str | None = None, next_path: str = "/wall"):
        page.goto(f"{demo_server.url}/login?next={next_path}")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]",
                  demo_server.accounts[username] if password is None else password)
        with page.expect_navigation() as navigation:
            page.click("button[type=submit]")
        return navigation.value

    return do


def take_call(form, **fields: str) -> None:
    """Fill the intake form's text fields (caller_phone, debtor_name, address, description, …)
    on an open /intake page, press 登记 and wait until the tip is taken."""
    for name, value in fields.items():
        form.fill(f"[id='{{\"index\":\"{name}\",\"type\":\"intake-field\"}}']", value)
    form.click("#intake-submit")
    form.wait_for_selector("#intake-result .ok", timeout=15000)
