"""Every error is an application/problem+json document with its status: 400 malformed JSON,
404 unknown note or path, 405 wrong method (with Allow), 413 body over 1 MiB, 415 not JSON,
422 an invalid note (every field's error at once), 500 an unexpected failure, without internals."""

from __future__ import annotations

import pytest
from bson import ObjectId

from minidb.notes.db import get_database
from minidb.notes.model import CONTENT_MAX, TAG_MAX, TAGS_MAX, TITLE_MAX
from tests.notes.helpers import assert_problem


def errors_of(response) -> list[dict[str, str]]:
    body = assert_problem(response, 422)
    assert body["type"] == "urn:minidb:problem:invalid-note"
    return body["errors"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, [{"field": "title", "message": "is required"}]),
        ({"title": ""}, [{"field": "title", "message": f"must be 1 to {TITLE_MAX} characters long"}]),
        ({"title": " \t\n"}, [{"field": "title", "message": "must not be only white space"}]),
        (
            {"title": "x" * (TITLE_MAX + 1)},
            [{"field": "title", "message": "must be 1 to 200 characters long"}],
        ),
        ({"title": 5}, [{"field": "title", "message": "must be a string"}]),
        ({"title": None}, [{"field": "title", "message": "must be a string"}]),
        ({"title": "t", "content": 1}, [{"field": "content", "message": "must be a string"}]),
        (
            {"title": "t", "content": "x" * (CONTENT_MAX + 1)},
            [{"field": "content", "message": "must be at most 100000 characters long"}],
        ),
        ({"title": "t", "tags": "work"}, [{"field": "tags", "message": "must be an array of strings"}]),
        (
            {"title": "t", "tags": [str(i) for i in range(TAGS_MAX + 1)]},
            [{"field": "tags", "message": "must have at most 20 items"}],
        ),
        (
            {"title": "t", "tags": ["ok", "", "y" * (TAG_MAX + 1), 3, "ok"]},
            [
                {"field": "tags[1]", "message": "must be 1 to 50 characters long"},
                {"field": "tags[2]", "message": "must be 1 to 50 characters long"},
                {"field": "tags[3]", "message": "must be a string"},
                {"field": "tags[4]", "message": "duplicate tag 'ok'"},
            ],
        ),
        ({"title": "t", "colour": "red"}, [{"field": "colour", "message": "unknown field"}]),
        ([{"title": "t"}], [{"field": "", "message": "the body must be a JSON object"}]),
        ("title", [{"field": "", "message": "the body must be a JSON object"}]),
    ],
)
def test_invalid_notes_are_422_with_per_field_errors(client, body, expected):
    assert errors_of(client.post("/notes", json=body)) == expected
    assert client.get("/notes").get_json() == []


def test_limits_themselves_are_accepted(client):
    body = {
        "title": "x" * TITLE_MAX,
        "content": "y" * CONTENT_MAX,
        "tags": [f"{i:0{TAG_MAX}d}" for i in range(TAGS_MAX)],
    }
    response = client.post("/notes", json=body)
    assert response.status_code == 201
    assert response.get_json()["content"] == body["content"]


def test_all_errors_are_reported_at_once(client):
    errors = errors_of(client.post("/notes", json={"title": 1, "content": 2, "extra": 3}))
    assert {e["field"] for e in errors} == {"title", "content", "extra"}


@pytest.mark.parametrize(
    "body",
    [
        {"title": {"$gt": ""}},
        {"title": {"$ne": None}},
        {"title": "t", "$where": "sleep(1000)"},
        {"title": "t", "tags": {"$in": ["a"]}},
        {"title": "t", "content": {"$set": {"title": "pwned"}}},
    ],
)
def test_operator_injection_is_rejected_and_nothing_is_written(app, client, make_note, body):
    victim = make_note("victim")
    assert client.post("/notes", json=body).status_code == 422
    assert client.put(f"/notes/{victim['id']}", json=body).status_code == 422
    assert client.patch(f"/notes/{victim['id']}", json=body).status_code == 422
    collection = get_database(app).database.notes
    assert collection.count_documents({}) == 1
    assert collection.find_one({"_id": ObjectId(victim["id"])})["title"] == "victim"


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_malformed_json(client, make_note, literal):
    raw = f'{{"title": "t", "content": {literal}}}'
    body = assert_problem(client.post("/notes", data=raw, content_type="application/json"), 400)
    assert literal.lstrip("-") in body["detail"]
    note = make_note()
    put = client.put(f"/notes/{note['id']}", data=raw, content_type="application/json")
    assert_problem(put, 400)


@pytest.mark.parametrize(
    "raw",
    [b"", b"{", b'{"title": "t",}', b"\xff\xfe", b'{"title": "t"} trailing', b"[" * 100_000],
)
def test_malformed_json_is_400(client, raw):
    response = client.post("/notes", data=raw, content_type="application/json")
    body = assert_problem(response, 400)
    assert body["detail"].startswith("The body is not valid JSON")


def test_lone_surrogates_are_rejected_not_a_server_error(client):
    raw = '{"title": "\\ud800"}'
    errors = errors_of(client.post("/notes", data=raw, content_type="application/json"))
    assert errors == [{"field": "title", "message": "must be valid Unicode text"}]


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_non_json_bodies_are_415(client, make_note, content_type):
    note = make_note()
    kwargs = {"data": '{"title": "t"}', "content_type": content_type}
    assert_problem(client.post("/notes", **kwargs), 415)
    assert_problem(client.put(f"/notes/{note['id']}", **kwargs), 415)
    assert_problem(client.patch(f"/notes/{note['id']}", **kwargs), 415)


def test_merge_patch_is_only_for_patch(client, make_note):
    note = make_note()
    kwargs = {"data": '{"title": "t"}', "content_type": "application/merge-patch+json"}
    assert_problem(client.post("/notes", **kwargs), 415)
    assert_problem(client.put(f"/notes/{note['id']}", **kwargs), 415)


def test_json_with_charset_parameter_is_accepted(client):
    response = client.post(
        "/notes", data='{"title": "é"}'.encode(), content_type="application/json; charset=utf-8"
    )
    assert response.status_code == 201
    assert response.get_json()["title"] == "é"


def test_bodies_over_one_mebibyte_are_413(client, make_note):
    note = make_note()
    raw = b'{"title": "t", "content": "' + b"x" * (1024 * 1024) + b'"}'
    assert_problem(client.post("/notes", data=raw, content_type="application/json"), 413)
    put = client.put(f"/notes/{note['id']}", data=raw, content_type="application/json")
    assert_problem(put, 413)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/notes", {"GET", "HEAD", "OPTIONS", "POST"}),
        ("PUT", "/notes", {"GET", "HEAD", "OPTIONS", "POST"}),
        ("POST", f"/notes/{'a' * 24}", {"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "PUT"}),
        ("POST", "/healthz", {"GET", "HEAD", "OPTIONS"}),
        ("DELETE", "/openapi.json", {"GET", "HEAD", "OPTIONS"}),
    ],
)
def test_wrong_method_is_405_with_allow(client, method, path, allowed):
    response = client.open(path, method=method)
    assert_problem(response, 405)
    assert {m.strip() for m in response.headers["Allow"].split(",")} == allowed


@pytest.mark.parametrize("path", ["/index.html", "/nope", "/notes/", "/notes/a/b"])
def test_unknown_paths_are_404_problems_not_html(client, path):
    response = client.get(path)
    assert_problem(response, 404)
    assert b"<html" not in response.data.lower()


def test_unexpected_errors_are_500_problems_without_internals(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    app.testing = False  # as in production: the handler, not the test client, sees it
    response = client.get("/boom")
    body = assert_problem(response, 500)
    assert "secret" not in response.get_data(as_text=True)
    assert body["detail"] == "An unexpected error occurred."
