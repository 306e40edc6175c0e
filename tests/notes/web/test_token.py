"""With NOTES_API_TOKEN set, the page asks for the token once, keeps it for
the tab's session, and sends it as Authorization: Bearer (never a cookie).
The server never writes it to its log."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.notes.helpers import request
from tests.notes.web.browser import Page, assert_no_script_errors, fresh_page, settle
from tests.notes.web.server import WebServer, web_server

TOKEN = "correct-horse-battery-staple"
WRONG = "not-the-token-at-all"


@pytest.fixture(scope="session")
def token_server(web_uri: str, tmp_path_factory) -> Iterator[WebServer]:
    with web_server(web_uri, tmp_path_factory.mktemp("token") / "gunicorn.log", token=TOKEN) as running:
        yield running


@pytest.fixture
def token_page(chromium, token_server, notes_collection) -> Iterator[Page]:
    notes_collection.delete_many({})
    opened = fresh_page(chromium, token_server.base)
    yield opened
    assert_no_script_errors(opened)


def header(sent: dict, name: str) -> str | None:
    return next((v for k, v in sent["headers"].items() if k.lower() == name.lower()), None)


def answer_prompt(page: Page, token: str) -> None:
    page.wait(lambda: page.dialog_open("token-dialog"), "the page never asked for the token")
    assert page.focused_id() == "token-input"
    assert page.find("#token-input").get_attribute("type") == "password"
    page.find("#token-input").send_keys(token)
    page.find("#token-form button[type=submit]").click()


def test_the_page_asks_for_the_token_once_per_tab_session(token_page: Page, token_server: WebServer):
    page = token_page
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    created = request(token_server.base, "POST", "/notes", {"title": "secret note"}, headers=bearer)
    assert created.status == 201

    page.driver.get(token_server.base + "/")  # the page and its assets load without the token
    answer_prompt(page, WRONG)
    page.wait(lambda: "did not accept" in page.text("#token-error"), "a wrong token was not refused")
    assert page.dialog_open("token-dialog")
    assert page.titles() == []
    page.find("#token-input").send_keys(TOKEN)
    page.find("#token-form button[type=submit]").click()
    page.wait_for_list()
    assert page.titles() == ["secret note"]
    assert not page.dialog_open("token-dialog")

    # Kept for this tab's session only: sessionStorage, no cookie, nothing in localStorage.
    assert page.js("return Object.values(sessionStorage)") == [TOKEN]
    assert page.js("return localStorage.length") == 0
    assert page.driver.get_cookies() == []

    page.reload()
    settle()
    assert not page.dialog_open("token-dialog")
    assert page.titles() == ["secret note"]

    # Writes carry it too.
    page.type_into("title", "written with the token")
    page.find("#save").click()
    page.wait(lambda: page.titles()[0] == "written with the token", "the save failed")

    api_requests = [r for r in page.requests() if not r["url"].split("/", 3)[3].startswith("ui/")]
    authorised = [r for r in api_requests if header(r, "Authorization") == f"Bearer {TOKEN}"]
    assert {(r["method"], r["url"].split("?")[0].removeprefix(token_server.base)) for r in authorised} >= {
        ("GET", "/notes"),
        ("POST", "/notes"),
    }
    assert all(header(r, "Cookie") is None for r in page.requests())


def test_the_server_never_logs_the_token(token_page: Page, token_server: WebServer):
    page = token_page
    page.driver.get(token_server.base + "/")
    answer_prompt(page, WRONG)
    page.wait(lambda: "did not accept" in page.text("#token-error"), "a wrong token was not refused")
    page.find("#token-input").send_keys(TOKEN)
    page.find("#token-form button[type=submit]").click()
    page.wait_for_list()
    for token in (TOKEN, WRONG):
        request(token_server.base, "GET", "/notes", headers={"Authorization": f"Bearer {token}"})
    output = token_server.output()
    assert "GET /notes" in output  # the access log is on, and it is this server's
    assert TOKEN not in output
    assert WRONG not in output


def test_the_openapi_document_needs_the_token_too(token_server: WebServer):
    assert request(token_server.base, "GET", "/openapi.json").status == 401
    assert request(token_server.base, "GET", "/healthz").status == 200
