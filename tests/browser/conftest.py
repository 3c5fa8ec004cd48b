"""A live server with demo data and a headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from syndication.demo.loader import DEMO_PASSWORD
from syndication.tasks import run_now
from tests.conftest import migrated_app

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # This machine has no outside network: stop Chromium trying to reach it.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live(tmp_path_factory, smtp_server) -> Iterator[tuple[str, Flask]]:
    """The app on its own SQLite file with the demo loaded, CSRF on, in a thread."""
    db_file = tmp_path_factory.mktemp("browser") / "browser.db"
    app = migrated_app(
        f"sqlite:///{db_file}",
        WTF_CSRF_ENABLED=True,
        TASK_QUEUE_NAME="browser",
        MAIL_PORT=smtp_server[1],
        PACKAGE_CACHE_DIR=str(tmp_path_factory.mktemp("browser-packages")),
    )
    with app.app_context():
        from syndication.demo.loader import load_demo

        load_demo()
        _enrol_demo_staff()
    http = make_server("127.0.0.1", 0, app, threaded=True)
    # Emailed links lead back to this server, as PUBLIC_BASE_URL makes them in production.
    app.config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{http.server_port}"
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}", app
    http.shutdown()


# The demo staff's and admin's recovery codes: each browser login spends one, so no
# test waits for a fresh TOTP code (each works once) or depends on the clock.
RECOVERY_CODES: dict[str, list[str]] = {}
STAFF_EMAILS = ("staff@example.org", "admin@example.org")


def _enrol_demo_staff() -> None:
    from datetime import UTC, datetime

    import pyotp

    from syndication.services import two_factor, users

    for email in STAFF_EMAILS:
        user = users.find_by_email(email)
        secret = two_factor.new_secret()
        step = pyotp.TOTP(secret).timecode(datetime.now(UTC))
        RECOVERY_CODES[email] = two_factor.enable(
            user, secret, pyotp.TOTP(secret).generate_otp(step)
        )


def pass_second_factor(page: Page, email: str = "staff@example.org") -> None:
    """When the login asks for the second factor, give it one of the user's recovery codes."""
    page.wait_for_load_state()
    if page.url.endswith("/login/code"):
        page.get_by_label("Code").fill(RECOVERY_CODES[email].pop())
        page.get_by_role("button", name="Log in").click()


def log_in(page: Page, server: str, email: str) -> None:
    """Log in through the real form, passing the second factor when it is asked for."""
    page.goto(f"{server}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    pass_second_factor(page, email)
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.fixture(scope="session")
def server(live) -> str:
    """The live server's base URL."""
    return live[0]


@pytest.fixture(scope="session")
def live_app(live) -> Flask:
    """The live server's app, for looking up what the demo data holds."""
    return live[1]


@pytest.fixture
def mailbox(smtp_server, live_app):
    """The mailbox, filled by working the live server's own task queue."""
    box = smtp_server[0]
    box.clear()
    box.deliver = lambda: run_now(live_app)
    return box


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    assert executable, "Debian's chromium package is needed: `make chromium` installs it"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page; the test fails if the browser logged an error or a script threw.

    Console errors include resources that failed to load (a missing icon,
    stylesheet or script), which the pages' own assertions would not see. A
    page itself answered with an error status (a form re-shown with its errors
    is a 422) is the app's answer, not a broken page, and is left to the test.
    """
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    logged: list[tuple[str, str]] = []
    pages: set[str] = set()
    page.on(
        "console",
        lambda message: (
            logged.append((message.text, message.location.get("url", "")))
            if message.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda error: logged.append((f"uncaught: {error}", "")))
    page.on(
        "response",
        lambda response: (
            pages.add(response.url) if response.request.resource_type == "document" else None
        ),
    )
    yield page
    context.close()
    errors = [
        f"{text} ({url})"
        for text, url in logged
        if not (text.startswith("Failed to load resource") and url in pages)
    ]
    assert errors == [], errors
