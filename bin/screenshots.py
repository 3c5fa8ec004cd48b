"""Screenshots of the running demo in the real browser, for the README: `make screenshots`.

Start the demo first (`make run`), then run this; it logs in as the demo partner and
the demo staff member, and writes PNGs of a few pages at 1280 px and 375 px wide to
docs/screenshots/. Debian's chromium drives it, as in the browser tests.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import urllib.request
from pathlib import Path

import pyotp
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from syndication.demo.loader import DEMO_PASSWORD, DEMO_TOTP_SECRET  # noqa: E402

PARTNER = "editor@lonestarledger.example"
STAFF = "staff@example.org"
# (file stem, who, path, then the link to follow there, if any)
SHOTS = [
    ("catalogue-partner", PARTNER, "/portal/catalogue", None),
    ("intake-staff", STAFF, "/staff/intake", None),
    ("partners-staff", STAFF, "/staff/partners?status=applied", None),
    ("partner-review-staff", STAFF, "/staff/partners?status=applied", "td a"),
    ("notices-staff", STAFF, "/staff/notices", None),
    ("webhook-partner", PARTNER, "/portal/webhook", None),
]
WIDTHS = {"wide": 1280, "phone": 375}
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def log_in(page: Page, base: str, email: str) -> None:
    """Log in through the form; staff give a code computed from the demo's authenticator key."""
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    if page.url.endswith("/login/code"):
        page.get_by_role("textbox", name="Code").fill(pyotp.TOTP(DEMO_TOTP_SECRET).now())
        page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:5000")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args()
    base = args.base_url.rstrip("/")
    try:
        urllib.request.urlopen(f"{base}/healthz", timeout=5)
    except OSError as exc:
        print(f"The demo does not answer at {base} ({exc}): start it with `make run`.")
        return 1
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        print("Debian's chromium is needed: `make chromium` installs it.")
        return 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=FLAGS)
        for who in (PARTNER, STAFF):
            # One login per person: a second-factor code works once.
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            log_in(page, base, who)
            for label, width in WIDTHS.items():
                page.set_viewport_size({"width": width, "height": 900})
                for stem, owner, path, follow in SHOTS:
                    if owner != who:
                        continue
                    page.goto(base + path)
                    if follow:
                        page.locator(follow).first.click()
                        page.wait_for_load_state()
                    target = out / f"{stem}-{label}.png"
                    page.screenshot(path=str(target))
                    print(target.relative_to(ROOT) if target.is_relative_to(ROOT) else target)
            context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
