"""HTTP details every response follows: body limits, content types, no HTML."""

from __future__ import annotations

import io

import pytest
from flask import Response

from minidb.notes.db import get_database
from tests.notes.helpers import assert_problem

MIB = 1024 * 1024


def send_chunked(client, method: str, path: str, body: bytes):
    """A request with no Content-Length, its body ended by the transfer coding,
    as a WSGI server that decodes chunked bodies hands it to the app."""
    return client.open(
        path,
        method=method,
        input_stream=io.BytesIO(body),
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )


def padded(size: int) -> bytes:
    # Valid JSON all the way: a note, then white space up to the size.
    note = b'{"title": "padded"}'
    return note + b" " * (size - len(note))


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_a_chunked_body_over_1_mib_is_413_never_cut_short_and_stored(app, client, make_note, method):
    note = make_note("before")
    path = "/notes" if method == "POST" else f"/notes/{note['id']}"
    for size in (MIB + 1, 3 * MIB):
        assert_problem(send_chunked(client, method, path, padded(size)), 413)
    [stored] = get_database(app).database.notes.find()
    assert stored["title"] == "before" and stored["version"] == 1


def test_a_chunked_body_of_exactly_1_mib_is_accepted(client):
    response = send_chunked(client, "POST", "/notes", padded(MIB))
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["title"] == "padded"


def test_no_response_is_html_and_every_one_says_nosniff(app, client, make_note):
    @app.get("/boom")
    def boom():
        raise RuntimeError("unexpected")

    note = make_note()
    url = f"/notes/{note['id']}"

    app.testing = False  # the 500 comes from the handler, as in production
    responses = {
        "200": client.get(url),
        "201": client.post("/notes", json={"title": "t"}),
        "304": client.get(url, headers={"If-None-Match": '"1"'}),
        "308": client.get(f"/notes//{note['id']}"),
        "400": client.get("/notes?limit=0"),
        "404": client.get("/nope"),
        "405": client.delete("/notes"),
        "412": client.put(url, json={"title": "t"}, headers={"If-Match": '"9"'}),
        "413": client.post("/notes", data=b"{" + b" " * MIB + b"}", content_type="application/json"),
        "415": client.post("/notes", data="x", content_type="text/plain"),
        "422": client.post("/notes", json={}),
        "500": client.get("/boom"),
        "HEAD": client.head(url),
        "OPTIONS": client.options("/notes"),
        "openapi": client.get("/openapi.json"),
        "204": client.delete(url),
    }
    for name, response in responses.items():
        assert response.headers.get("X-Content-Type-Options") == "nosniff", name
        assert "html" not in response.headers.get("Content-Type", ""), name
        assert b"<html" not in response.data.lower() and b"<!doctype" not in response.data.lower(), name


@pytest.mark.parametrize(
    ("request_", "status"),
    [
        (lambda client, url: client.delete(url), 204),
        (lambda client, url: client.get(url, headers={"If-None-Match": '"1"'}), 304),
        (lambda client, url: client.options("/notes"), 200),
        (lambda client, url: client.options(url), 200),
        (lambda client, url: client.get(url.replace("/notes/", "/notes//")), 308),
    ],
    ids=["204", "304", "OPTIONS /notes", "OPTIONS /notes/id", "308"],
)
def test_a_response_without_a_body_has_no_content_type(client, make_note, request_, status):
    url = f"/notes/{make_note()['id']}"
    response = request_(client, url)
    assert response.status_code == status
    assert response.data == b""
    assert "Content-Type" not in response.headers


def test_a_doubled_slash_redirects_to_the_note_without_a_body(client, make_note):
    note = make_note()
    response = client.get(f"/notes//{note['id']}")
    assert response.status_code == 308
    assert response.headers["Location"].endswith(f"/notes/{note['id']}")
    assert response.data == b""
    assert client.get(response.headers["Location"]).get_json() == note


def test_options_lists_the_allowed_methods(client):
    response = client.options("/notes")
    assert {m.strip() for m in response.headers["Allow"].split(",")} == {"GET", "HEAD", "OPTIONS", "POST"}


def test_a_streamed_response_is_not_read_to_be_checked(app):
    read: list[bytes] = []

    def body():
        read.append(b"chunk")
        yield b"chunk"

    with app.test_request_context("/"):
        response = app.process_response(Response(body(), mimetype="text/plain"))
    assert read == []  # still streaming: nothing was buffered to measure it
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "text/plain"
