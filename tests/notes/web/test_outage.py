"""The database goes away while the page is open: a banner says so (in a
live region), the page retries by itself, and carries on when it is back."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.harness.mongo import MongoServer, new_database_name
from tests.notes.helpers import TcpProxy, request
from tests.notes.web.browser import Page, assert_no_script_errors, fresh_page
from tests.notes.web.server import WebServer, proxied_uri, web_server

#: The server answers 503 within 5 s and asks for a retry after 5 s; the
#: database then needs a moment to be found again. Generous, for a busy machine.
RECOVERY_SECONDS = 30


@pytest.fixture
def proxy(mongo: MongoServer) -> Iterator[tuple[TcpProxy, str]]:
    name = new_database_name()
    target = urlsplit(mongo.database_uri(name))
    if target.scheme != "mongodb" or "," in target.netloc:
        pytest.skip("needs a single-host mongodb:// server to put a proxy in front of")
    tcp = TcpProxy(target.hostname or "127.0.0.1", target.port or 27017)
    tcp.start()
    try:
        yield tcp, proxied_uri(mongo.database_uri(name), tcp)
    finally:
        tcp.stop()
        mongo.drop_database(name)


@pytest.fixture
def proxied_server(proxy, tmp_path) -> Iterator[WebServer]:
    with web_server(proxy[1], tmp_path / "gunicorn.log") as running:
        yield running


@pytest.fixture
def outage_page(chromium, proxied_server) -> Iterator[Page]:
    opened = fresh_page(chromium, proxied_server.base)
    yield opened
    assert_no_script_errors(opened)


def test_the_banner_appears_during_an_outage_and_the_page_recovers_by_itself(outage_page: Page, proxy,
                                                                             proxied_server: WebServer):
    page, (tcp, _) = outage_page, proxy
    for title in ("one", "two"):
        assert request(proxied_server.base, "POST", "/notes", {"title": title}).status == 201
    page.open()
    assert page.titles() == ["two", "one"]
    banner = page.find("#banner")
    assert banner.get_attribute("role") == "alert" and banner.get_attribute("aria-live") == "assertive"
    assert not banner.is_displayed()  # nothing to say

    tcp.stop()
    # A search while the database is away: the banner, and no results yet.
    page.find("#search").send_keys("one")
    page.wait(lambda: "database is unavailable" in page.banner(), "no banner during the outage")
    assert banner.is_displayed()
    # A save while it is away: refused, with the text kept.
    page.type_into("title", "written during the outage")
    page.find("#save").click()
    page.wait(lambda: "Not saved" in page.text("#form-error"), "the failed save was not reported")
    assert page.field("title").get_attribute("value") == "written during the outage"

    tcp.start()
    # No click, no reload: the page finds the database again on its own.
    page.wait(lambda: page.banner() == "", "the banner never went away", timeout=RECOVERY_SECONDS)
    page.wait(lambda: page.titles() == ["one"], "the search never ran after the outage")
    assert page.query() == "/?q=one"
    assert "database is back" in page.text("#form-error")
    assert page.field("title").get_attribute("value") == "written during the outage"

    page.find("#save").click()
    page.wait(lambda: page.text("#editor-heading") == "Edit note", "saving after the outage failed")
    titles = [n["title"] for n in request(proxied_server.base, "GET", "/notes").json()]
    assert titles == ["written during the outage", "two", "one"]  # saved once


def test_a_page_opened_during_an_outage_fills_in_when_the_database_returns(outage_page: Page, proxy,
                                                                           proxied_server: WebServer):
    page, (tcp, _) = outage_page, proxy
    assert request(proxied_server.base, "POST", "/notes", {"title": "waiting"}).status == 201
    tcp.stop()
    page.driver.get(proxied_server.base + "/")  # the page itself needs no database
    page.wait(lambda: "database is unavailable" in page.banner(), "no banner during the outage")
    assert page.titles() == []
    tcp.start()
    page.wait(lambda: page.titles() == ["waiting"], "the list never loaded", timeout=RECOVERY_SECONDS)
    assert page.banner() == ""
