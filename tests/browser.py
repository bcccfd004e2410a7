"""Real headless Chromium (Debian's ``chromium``) driven by Playwright's Python package."""

import os
import shutil
from pathlib import Path

from tests.live import ROOT, require_service

# Playwright's own browser download does not work here; the system's Chromium does.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path():
    return os.environ.get("SGP_TEST_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def require_chromium():
    """The browser's path; skips (fails under SGP_TEST_REQUIRE_SERVICES) before Playwright starts without one."""
    path = chromium_path()
    if not path:
        require_service("Chromium not found (apt-get install -y chromium, or set SGP_TEST_CHROMIUM)")
    return path


def launch(playwright):
    return playwright.chromium.launch(executable_path=require_chromium(), args=CHROMIUM_ARGS)


def artifact_path(name):
    """Where a test keeps what a person may want to look at afterwards (screenshots)."""
    folder = Path(os.environ.get("SGP_TEST_ARTIFACT_DIR") or ROOT / "test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


class Board:
    """One person's board page, with the steps the tests take on it."""

    def __init__(self, page, server):
        self.page = page
        self.server = server

    def open(self):
        self.page.goto(self.server.url + "/")
        return self

    def login(self, username, password, live=True):
        self.page.fill("#form-login [name=username]", username)
        self.page.fill("#form-login [name=password]", password)
        self.page.click("#form-login button[type=submit]")
        if live:
            self.wait_live()
        return self

    def wait_live(self, timeout=15000):
        self.page.wait_for_selector("#conexao[data-estado=conectado]", timeout=timeout)

    def card(self, pedido_id):
        return self.page.locator(f".cartao[data-id='{pedido_id}']")

    def card_in(self, status, pedido_id):
        return self.page.locator(f".coluna[data-status={status}] .cartao[data-id='{pedido_id}']")

    def stored_ultimo_evento_id(self):
        value = self.page.evaluate("localStorage.getItem('sgp.ultimo_evento_id')")
        return None if value is None else int(value)
