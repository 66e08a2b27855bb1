"""Shared browser plumbing for the end-to-end tests: headless Debian Chromium driven by Playwright.

Fixture `browser` (one Chromium a test module); helpers `shot` (a full-page screenshot into
test-artifacts/e2e/), `console_login` (sign in through the console's login form) and `ask` (type a
question into the widget and send it).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "e2e"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian chromium is missing: run `make system-deps`"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def console_login(page: Any, base_url: str, username: str, password: str, start: str = "/console") -> None:
    """Open ``start`` (a console page), get sent to the login form, sign in and land on the role's page
    (/console for staff and admins; /console sends an editor on to /console/knowledge)."""
    page.goto(f"{base_url}{start}")
    page.wait_for_url("**/console/login")
    page.locator("#login-username").fill(username)
    page.locator("#login-password").fill(password)
    page.locator("#login-submit").click()
    page.wait_for_url(re.compile(r".*/console(/knowledge)?$"))


def ask(page: Any, text: str) -> None:
    page.locator(".daofu-input").fill(text)
    page.locator(".daofu-send").click()
