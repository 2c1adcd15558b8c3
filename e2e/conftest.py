"""Playwright driving Debian's chromium (never a downloaded browser) against live_server."""

import os
import shutil
from urllib.parse import urlparse

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BLOCKING_IMPACTS = {"serious", "critical"}


@pytest.fixture(scope="session")
def browser():
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop shares the thread
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Visit:
    """A page that records CSP violations, console errors and requests to other hosts, and
    checks accessibility with axe on demand."""

    def __init__(self, page, base_url):
        self.page = page
        self.base = base_url
        self.problems: list[str] = []
        self.axe = Axe()
        own_host = urlparse(base_url).netloc
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

        def route(route):
            host = urlparse(route.request.url).netloc
            if host and host != own_host:
                self.problems.append(f"request to another host: {route.request.url}")
                return route.abort()
            return route.continue_()

        page.route("**/*", route)

    def _on_console(self, message):
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.problems.append(f"CSP: {text}")
        elif message.type == "error" and "favicon" not in text:
            self.problems.append(f"console error: {text}")

    def go(self, path):
        self.page.goto(self.base + path)
        self.check()

    def check(self):
        """axe on the current page: no serious or critical violation."""
        self.page.wait_for_load_state("networkidle")
        results = self.axe.run(self.page)
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(n["target"][0] for n in v["nodes"][:3])
            for v in results.response["violations"]
            if v.get("impact") in BLOCKING_IMPACTS
        ]
        assert bad == [], f"{self.page.url}: {bad}"


@pytest.fixture
def demo(transactional_db):
    with open(os.devnull, "w") as quiet:
        call_command("demo", stdout=quiet)


@pytest.fixture
def visit(browser, live_server, demo, settings):
    settings.PLANS_CACHE_SECONDS = 600  # as in production: journeys see the cache at work
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    visitor = Visit(page, live_server.url)
    yield visitor
    context.close()
    assert visitor.problems == []
