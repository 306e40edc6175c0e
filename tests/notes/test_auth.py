"""NOTES_API_TOKEN: with it set, every request but GET /healthz and the web
page with its assets needs ``Authorization: Bearer <token>``; without it,
the API is open as before."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from minidb.notes import close_app, create_app
from minidb.notes.web import ASSET_VERSION
from tests.notes.helpers import assert_problem

TOKEN = "s3cret-Token_with.all~kinds"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def secured(mongodb_uri: str) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "MONGODB_URI": mongodb_uri, "NOTES_API_TOKEN": TOKEN})
    yield app
    close_app(app)


@pytest.fixture
def secured_client(secured: Flask) -> FlaskClient:
    return secured.test_client()


def assert_unauthorized(response, *, invalid: bool) -> None:
    body = assert_problem(response, 401)
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer")
    assert ('error="invalid_token"' in challenge) is invalid
    assert TOKEN not in response.get_data(as_text=True)
    assert body["title"] == "Unauthorized"


API_REQUESTS = [
    ("GET", "/notes"),
    ("POST", "/notes"),
    ("GET", "/notes/0123456789abcdef01234567"),
    ("PUT", "/notes/0123456789abcdef01234567"),
    ("PATCH", "/notes/0123456789abcdef01234567"),
    ("DELETE", "/notes/0123456789abcdef01234567"),
    ("GET", "/openapi.json"),
    ("OPTIONS", "/notes"),
    ("POST", "/healthz"),  # only GET of /healthz is open
    ("POST", "/"),  # only GET of the page is open
    ("GET", "/no/such/path"),
]


@pytest.mark.parametrize(("method", "path"), API_REQUESTS)
def test_every_api_request_without_the_token_is_401(secured_client, method, path):
    assert_unauthorized(secured_client.open(path, method=method, json={"title": "x"}), invalid=False)


@pytest.mark.parametrize(
    "header",
    [
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN[:-1]}",
        "Bearer ",
        f"Basic {TOKEN}",
        TOKEN,
        f"Bearer {TOKEN.upper()}",
        "Bearer ünïcode",
    ],
)
def test_a_wrong_token_is_401(secured_client, header):
    response = secured_client.get("/notes", headers={"Authorization": header})
    sent_credentials = header.startswith("Bearer ") and header.strip() != "Bearer"
    assert_unauthorized(response, invalid=sent_credentials)


def test_the_right_token_opens_every_operation(secured_client):
    created = secured_client.post("/notes", json={"title": "locked"}, headers=BEARER)
    assert created.status_code == 201
    note = created.get_json()
    etag = created.headers["ETag"]
    assert secured_client.get("/notes", headers=BEARER).get_json() == [note]
    assert secured_client.get(f"/notes/{note['id']}", headers=BEARER).status_code == 200
    assert secured_client.patch(
        f"/notes/{note['id']}", json={"content": "c"}, headers={**BEARER, "If-Match": etag}
    ).status_code == 200
    assert secured_client.get("/openapi.json", headers=BEARER).status_code == 200
    assert secured_client.delete(f"/notes/{note['id']}", headers=BEARER).status_code == 204


def test_the_scheme_name_is_case_insensitive(secured_client):
    # RFC 9110 section 11.1: auth schemes are case-insensitive; the token is not.
    assert secured_client.get("/notes", headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/healthz", "/", *(f"/ui/{ASSET_VERSION}/{name}" for name in ("app.js", "notes.css", "favicon.svg"))],
)
def test_health_and_the_web_page_stay_open(secured_client, path):
    for method in ("GET", "HEAD"):
        response = secured_client.open(path, method=method)
        assert response.status_code == 200, (method, path)


def test_a_missing_asset_is_404_not_401(secured_client):
    assert_problem(secured_client.get(f"/ui/{ASSET_VERSION}/nope.js"), 404)


def test_the_token_comes_from_the_environment_by_default(mongodb_uri, monkeypatch):
    monkeypatch.setenv("NOTES_API_TOKEN", TOKEN)
    app = create_app({"TESTING": True, "MONGODB_URI": mongodb_uri})
    try:
        client = app.test_client()
        assert client.get("/notes").status_code == 401
        assert client.get("/notes", headers=BEARER).status_code == 200
    finally:
        close_app(app)


def test_the_config_given_to_create_app_wins_over_the_environment(mongodb_uri, monkeypatch):
    monkeypatch.setenv("NOTES_API_TOKEN", "from-the-environment")
    app = create_app({"TESTING": True, "MONGODB_URI": mongodb_uri, "NOTES_API_TOKEN": TOKEN})
    try:
        client = app.test_client()
        from_environment = {"Authorization": "Bearer from-the-environment"}
        assert client.get("/notes", headers=from_environment).status_code == 401
        assert client.get("/notes", headers=BEARER).status_code == 200
    finally:
        close_app(app)


@pytest.mark.parametrize("setting", [None, ""])
def test_without_a_token_the_api_is_open(mongodb_uri, monkeypatch, setting):
    if setting is None:
        monkeypatch.delenv("NOTES_API_TOKEN", raising=False)
    else:
        monkeypatch.setenv("NOTES_API_TOKEN", setting)
    app = create_app({"TESTING": True, "MONGODB_URI": mongodb_uri})
    try:
        client = app.test_client()
        assert client.get("/notes").status_code == 200
        # A stray Authorization header is no reason to refuse an open API.
        assert client.get("/notes", headers={"Authorization": "Bearer whatever"}).status_code == 200
    finally:
        close_app(app)


def test_a_non_ascii_token_works(mongodb_uri):
    token = "clé-secrète-🔑"
    app = create_app({"TESTING": True, "MONGODB_URI": mongodb_uri, "NOTES_API_TOKEN": token})
    try:
        client = app.test_client()
        # Header values travel as bytes; werkzeug decodes them as Latin-1.
        raw = f"Bearer {token}".encode().decode("latin-1")
        assert client.get("/notes", headers={"Authorization": raw}).status_code == 200
        assert client.get("/notes", headers={"Authorization": "Bearer clé"}).status_code == 401
    finally:
        close_app(app)


def test_the_token_is_compared_in_constant_time(secured_client, monkeypatch):
    # A plain == returns at the first differing byte; hmac.compare_digest
    # takes the same time wherever the difference is.
    import hmac

    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert secured_client.get("/notes", headers={"Authorization": "Bearer guess"}).status_code == 401
    assert secured_client.get("/notes", headers=BEARER).status_code == 200
    assert compared == [(b"guess", TOKEN.encode()), (TOKEN.encode(), TOKEN.encode())]
