"""Console tests in a real browser: Debian's chromium driven by Playwright against a live server.

The browser is the system's (``/usr/bin/chromium``, ``YUNDAN_CHROMIUM`` to override), started with
the flags a closed network needs; Playwright never downloads one. Screenshots of the main pages go
to ``var/test-artifacts/screenshots`` (``YUNDAN_ARTIFACTS`` to override).
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from yundan.console.roles import set_role

from factories import CONSOLE_PASSWORD

# Playwright's sync API keeps an event loop on the main thread; the ORM calls in these tests are
# still plain synchronous calls between browser steps.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("YUNDAN_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
PASSWORD = CONSOLE_PASSWORD
ARTIFACTS = Path(os.environ.get("YUNDAN_ARTIFACTS", Path(__file__).parents[2] / "var" / "test-artifacts"))


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def console_users(transactional_db, django_user_model):
    users = {}
    for role in ("admin", "operator", "viewer"):
        user = django_user_model.objects.create_user(username=role, password=PASSWORD)
        set_role(user, role)
        users[role] = user
    return users


@pytest.fixture
def signed_in(browser, live_server, console_users):
    """``signed_in("operator")`` → a page of a fresh browser context, logged in as that role."""
    contexts = []

    def sign_in(role: str) -> Page:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", role)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/orders/**")
        return page

    yield sign_in
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot():
    """``screenshot(page, "orders")`` saves a full-page PNG as a test artifact."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)

    def save(page: Page, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
