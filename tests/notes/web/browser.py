"""Headless Chromium from the distribution, driven by Selenium, for the web UI tests.

Selenium is given the system chromedriver and the system Chromium by path:
with both named, Selenium Manager is never consulted, so nothing is ever
downloaded (no browser build can be, on this machine or in CI).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
INSTALL_HINT = "apt-get install chromium chromium-driver (as .ci/run does)"
#: Generous: the machine has two cores and other test runs share them.
WAIT_SECONDS = 15
START_ATTEMPTS = 3

T = TypeVar("T")

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",  # the suite runs as root in CI
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    # Chromium's own traffic (updates, sync, metrics) would muddy the
    # "no request leaves 127.0.0.1" check and needs no network here.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--metrics-recording-only",
    "--password-store=basic",
    "--lang=en-US",
    "--window-size=1280,900",
)


class BrowserMissing(RuntimeError):
    pass


def start_chromium() -> webdriver.Chrome:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.is_file():
            raise BrowserMissing(f"{path} is missing: {INSTALL_HINT}")
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    # The console (for errors) and the DevTools network events (for every
    # request the page makes, with its headers).
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    options.add_experimental_option("perfLoggingPrefs", {"enableNetwork": True, "enablePage": False})
    # On a machine loaded by other test runs, Chromium can miss chromedriver's
    # start-up deadline now and then. Retrying cannot hide a broken browser:
    # that fails every time.
    for attempt in range(START_ATTEMPTS):
        try:
            driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
            break
        except WebDriverException:  # SessionNotCreatedException, or the driver timing out
            if attempt == START_ATTEMPTS - 1:
                raise
            time.sleep(1)
    driver.set_script_timeout(WAIT_SECONDS)
    return driver


def wait_until(driver: webdriver.Chrome, condition: Callable[[], T], message: str,
               timeout: float = WAIT_SECONDS) -> T:
    """Poll ``condition`` until it returns something truthy; fail with ``message``."""
    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(lambda _: condition(), message)


class Page:
    """The notes page of one server, in the shared browser."""

    def __init__(self, driver: webdriver.Chrome, base: str) -> None:
        self.driver = driver
        self.base = base
        self.console: list[dict[str, Any]] = []
        self.network: list[dict[str, Any]] = []

    # --- navigation and waiting

    def open(self, path: str = "/") -> None:
        self.driver.get(self.base + path)
        self.wait_for_list()

    def reload(self) -> None:
        self.driver.refresh()
        self.wait_for_list()

    def wait_for_list(self) -> None:
        """Until the first page of notes (or the empty message) is shown."""
        self.wait(
            lambda: self.js(
                "return document.querySelector('#note-list').getAttribute('aria-busy') === 'false'"
                " && document.querySelector('#status').textContent !== ''"
            ),
            "the list never finished loading",
        )

    def wait(self, condition: Callable[[], T], message: str, timeout: float = WAIT_SECONDS) -> T:
        return wait_until(self.driver, condition, message, timeout)

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    # --- reading the page

    def find(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self, css: str) -> str:
        return self.js("const e = document.querySelector(arguments[0]); return e ? e.textContent : null", css)

    def note_ids(self) -> list[str]:
        return self.js(
            "return [...document.querySelectorAll('article[data-note-id]')].map(a => a.dataset.noteId)"
        )

    def titles(self) -> list[str]:
        return self.js(
            "return [...document.querySelectorAll('article[data-note-id] .note-title')]"
            ".map(e => e.textContent)"
        )

    def article_text(self, note_id: str) -> str | None:
        """The note's article as text (read in one go: articles are redrawn when notes change)."""
        return self.text(f'article[data-note-id="{note_id}"]')

    def click_note_button(self, note_id: str, action: str) -> None:
        """Press the note's Edit or Delete button."""
        self.find(f'article[data-note-id="{note_id}"] button[data-action="{action}"]').click()

    def article(self, note_id: str) -> WebElement:
        return self.find(f'article[data-note-id="{note_id}"]')

    def query(self) -> str:
        """The page URL's path and query string."""
        url = urlsplit(self.driver.current_url)
        return url.path + (f"?{url.query}" if url.query else "")

    def field(self, name: str) -> WebElement:
        return self.find(f"#note-form [name={name}]")

    def banner(self) -> str:
        return self.text("#banner") or ""

    def focused_id(self) -> str:
        return self.js("return document.activeElement ? document.activeElement.id : ''")

    def type_into(self, name: str, text: str, *, clear: bool = True) -> None:
        element = self.field(name)
        if clear:
            element.clear()
        element.send_keys(text)

    def dialog_open(self, dialog_id: str) -> bool:
        return self.js("return document.getElementById(arguments[0]).open", dialog_id)

    # --- what the browser logged

    def drain_logs(self) -> None:
        """Move the browser's console and network logs into ``console`` and ``network``."""
        try:
            self.console += self.driver.get_log("browser")
            for entry in self.driver.get_log("performance"):
                message = json.loads(entry["message"])["message"]
                if message["method"] == "Network.requestWillBeSent":
                    self.network.append(message["params"]["request"])
        except WebDriverException:
            pass

    def console_errors(self, *, including_network: bool = True) -> list[dict[str, Any]]:
        """SEVERE console entries. Chromium logs every 4xx/5xx answer as one
        (source "network"); tests that provoke those on purpose leave them out."""
        self.drain_logs()
        return [
            e for e in self.console
            if e["level"] == "SEVERE" and (including_network or e.get("source") != "network")
        ]

    def requests(self, method: str | None = None, path_prefix: str = "") -> list[dict[str, Any]]:
        """Requests the page sent (DevTools network log), with their headers."""
        self.drain_logs()
        return [
            r for r in self.network
            if (method is None or r["method"] == method) and urlsplit(r["url"]).path.startswith(path_prefix)
        ]

    def resource_urls(self) -> list[str]:
        """Every URL the page loaded, as its own Performance API reports them."""
        return self.js(
            "return [...performance.getEntriesByType('navigation'),"
            " ...performance.getEntriesByType('resource')].map(e => e.name)"
        )

    # --- viewport

    def set_viewport(self, width: int, height: int, *, mobile: bool) -> None:
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 2 if mobile else 1, "mobile": mobile},
        )

    def reset_viewport(self) -> None:
        self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def fresh_page(chromium: webdriver.Chrome, base: str) -> Page:
    """A blank tab with no storage for ``base``'s origin, a desktop-sized window and empty logs."""
    chromium.get("about:blank")
    chromium.execute_cdp_cmd("Storage.clearDataForOrigin", {"origin": base, "storageTypes": "all"})
    chromium.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    page = Page(chromium, base)
    page.drain_logs()
    page.console.clear()
    page.network.clear()
    return page


def assert_no_script_errors(page: Page) -> None:
    """The page logged no JavaScript error and no CSP violation (network errors allowed)."""
    errors = page.console_errors(including_network=False)
    assert errors == [], f"the page logged errors: {errors}"


def settle(seconds: float = 0.3) -> None:
    """A pause for things that must *not* happen (a request, a dialog) to have had their chance."""
    time.sleep(seconds)
