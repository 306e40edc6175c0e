"""Safety: note text is shown as text, a CSP with no inline script, a clean
console, and not one request to anywhere but the app itself."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from minidb.notes.web import ASSET_VERSION
from tests.notes.helpers import request
from tests.notes.web.browser import Page, settle

XSS_TITLE = "<img src=x onerror=\"document.title='pwned'\">"
XSS_CONTENT = "<script>window.pwned = 1</script><b>not bold</b>"
XSS_TAG = "<svg onload=alert(1)>"


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name.lower()] = values
    return parsed


def test_markup_in_a_note_is_shown_as_text_and_never_run(page: Page, make_notes):
    [note] = make_notes({"title": XSS_TITLE, "content": XSS_CONTENT, "tags": [XSS_TAG]})
    page.open()
    settle()

    assert page.text(f'article[data-note-id="{note["id"]}"] .note-title') == XSS_TITLE
    assert page.text(f'article[data-note-id="{note["id"]}"] .note-content') == XSS_CONTENT
    assert page.text(f'article[data-note-id="{note["id"]}"] .tags a') == XSS_TAG
    # Had any of it been parsed as HTML, these elements would exist (CSP or not).
    assert page.find_all("#note-list img, #note-list script, #note-list b, #note-list svg") == []
    assert page.js("return document.title") == "Notes · minidb"
    assert page.js("return window.pwned") is None

    # The same text in the form, the delete question and the conflict view.
    page.click_note_button(note["id"], "edit")
    page.wait(lambda: page.field("title").get_attribute("value") == XSS_TITLE, "the form never filled")
    page.click_note_button(note["id"], "delete")
    page.wait(lambda: page.dialog_open("confirm-dialog"), "no confirmation was asked")
    assert XSS_TITLE in page.text("#confirm-text")
    page.find("#confirm-cancel").click()
    assert page.find_all("img, b, svg, script:not([src])") == []
    assert not [url for url in page.resource_urls() if urlsplit(url).path == "/x"]  # the img never loaded


def test_every_response_carries_a_csp_without_inline_script(server):
    assets = (f"/ui/{ASSET_VERSION}/app.js", f"/ui/{ASSET_VERSION}/notes.css")
    for path in ("/", *assets, "/notes", "/healthz", "/nope", "/openapi.json"):
        reply = request(server.base, "GET", path)
        policy = directives(reply.headers["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'"], path
        assert policy["default-src"] == ["'none'"], path
        assert policy["style-src"] == ["'self'"], path
        assert policy["connect-src"] == ["'self'"], path
        assert policy["frame-ancestors"] == ["'none'"], path
        assert "'unsafe-inline'" not in reply.headers["Content-Security-Policy"]
        assert reply.headers["X-Content-Type-Options"] == "nosniff"


class InlineCode(HTMLParser):
    """Finds inline scripts, event-handler attributes and inline styles."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.in_script = False
        self.script_srcs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script":
            self.in_script = True
            if not names.get("src"):
                self.found.append("<script> without src")
            else:
                self.script_srcs.append(names["src"] or "")
        if tag == "style":
            self.found.append("<style>")
        self.found += [f"{tag} {name}=" for name in names if name.startswith("on") or name == "style"]

    def handle_endtag(self, tag: str) -> None:
        self.in_script = self.in_script and tag != "script"

    def handle_data(self, data: str) -> None:
        if self.in_script and data.strip():
            self.found.append("inline script text")


def test_the_page_has_no_inline_code_and_loads_only_its_own_assets(server):
    reply = request(server.base, "GET", "/")
    assert reply.headers["Content-Type"].startswith("text/html")
    parser = InlineCode()
    parser.feed(reply.body.decode())
    assert parser.found == []
    assert parser.script_srcs == [f"/ui/{ASSET_VERSION}/app.js"]
    assert b"http://" not in reply.body and b"https://" not in reply.body and b"//" not in reply.body
    for asset, content_type in (("app.js", "text/javascript"), ("notes.css", "text/css")):
        served = request(server.base, "GET", f"/ui/{ASSET_VERSION}/{asset}")
        assert served.headers["Content-Type"].startswith(content_type)


@pytest.fixture
def ordinary_session(page: Page, make_notes) -> Page:
    """Load, scroll through three pages, search, filter by tag, create, edit, delete."""
    make_notes(*({"title": f"Note {i}", "tags": ["work" if i % 2 else "home"]} for i in range(45)))
    page.open()
    for expected in (40, 45):
        page.js("window.scrollTo(0, document.documentElement.scrollHeight)")
        page.wait(lambda expected=expected: len(page.note_ids()) == expected, "scrolling did not load more")
    page.js("window.scrollTo(0, 0)")
    page.find("#search").send_keys("Note 1")
    page.wait(lambda: page.query() == "/?q=Note+1", "search did not run")
    page.wait(lambda: len(page.note_ids()) == 11, "search results never showed")  # 1, 10-19
    page.find("article .tags a[data-tag='work']").click()
    page.wait(lambda: len(page.note_ids()) == 6, "the tag never filtered")  # the odd ones
    page.find("#new-note").click()
    page.type_into("title", "Note 1 fresh")
    page.type_into("tags", "work")
    page.find("#save").click()
    page.wait(lambda: len(page.note_ids()) == 7, "the new note never showed")
    page.type_into("content", "edited")
    page.find("#save").click()
    page.wait(lambda: page.text("#status") == "Note saved.", "the edit was not saved")
    first = page.note_ids()[0]
    page.click_note_button(first, "delete")
    page.wait(lambda: page.dialog_open("confirm-dialog"), "no confirmation was asked")
    page.find("#confirm-ok").click()
    page.wait(lambda: len(page.note_ids()) == 6, "the note was not deleted")
    page.reload()
    return page


def test_an_ordinary_session_logs_nothing_to_the_console(ordinary_session: Page):
    # Not even a failed request: a favicon 404 or a CSP violation would show here.
    assert ordinary_session.console_errors() == []
    assert [e for e in ordinary_session.console if e["level"] in ("SEVERE", "WARNING")] == []


def test_no_request_leaves_the_app(ordinary_session: Page, server):
    origin = urlsplit(server.base)
    urls = ordinary_session.resource_urls()  # the Performance API's view
    sent = [r["url"] for r in ordinary_session.requests()]  # DevTools' view, every request since the start
    assert len(sent) > 10 and urls
    for url in urls + sent:
        parts = urlsplit(url)
        assert (parts.scheme, parts.hostname, parts.port) == ("http", "127.0.0.1", origin.port), url
