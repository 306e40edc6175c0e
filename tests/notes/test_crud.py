"""Each route of the notes API answers with its status, headers and body: POST 201 with
Location and ETag, GET the note with its ETag, the list newest first (20 by default), PUT
replaces, PATCH changes only what it is given, DELETE 204; through Flask's test client
against the real server."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bson import ObjectId

from minidb.notes import close_app, create_app
from minidb.notes.db import get_database
from tests.notes.helpers import assert_problem

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_create_returns_201_location_etag_and_the_note(client):
    before = datetime.now(UTC) - timedelta(milliseconds=1)
    response = client.post(
        "/notes",
        json={"title": "Meeting Notes", "content": "Discuss project roadmap", "tags": ["work"]},
    )
    after = datetime.now(UTC)

    assert response.status_code == 201
    note = response.get_json()
    assert list(note) == ["id", "title", "content", "tags", "created_at", "updated_at"]
    assert re.fullmatch(r"[0-9a-f]{24}", note["id"])
    assert note["title"] == "Meeting Notes"
    assert note["content"] == "Discuss project roadmap"
    assert note["tags"] == ["work"]
    assert TIMESTAMP.fullmatch(note["created_at"])
    assert note["updated_at"] == note["created_at"]
    assert before <= parse_time(note["created_at"]) <= after
    assert response.headers["Location"] == f"/notes/{note['id']}"
    assert response.headers["ETag"] == '"1"'
    assert response.mimetype == "application/json"


def test_create_defaults_optional_fields_and_ignores_server_fields(client):
    response = client.post(
        "/notes",
        json={"title": "t", "id": "0" * 24, "created_at": "1999-01-01T00:00:00Z", "updated_at": 5},
    )
    assert response.status_code == 201
    note = response.get_json()
    assert note["id"] != "0" * 24
    assert note["content"] == ""
    assert note["tags"] == []
    assert note["created_at"].startswith(str(datetime.now(UTC).year))


def test_stored_document_has_millisecond_utc_dates_and_a_version(app, client, make_note):
    note = make_note("stored")
    doc = get_database(app).database.notes.find_one({"_id": ObjectId(note["id"])})
    assert doc["created_at"].tzinfo is not None
    assert doc["created_at"].microsecond % 1000 == 0
    assert doc["version"] == 1
    assert set(doc) == {"_id", "title", "content", "tags", "created_at", "updated_at", "version"}


def test_get_returns_the_note_with_its_etag(client, make_note):
    note = make_note("fetch me", tags=["a", "b"])
    response = client.get(f"/notes/{note['id']}")
    assert response.status_code == 200
    assert response.get_json() == note
    assert response.headers["ETag"] == '"1"'


def test_get_accepts_upper_case_hex_ids(client, make_note):
    note = make_note()
    response = client.get(f"/notes/{note['id'].upper()}")
    assert response.status_code == 200
    assert response.get_json()["id"] == note["id"]


def test_missing_and_malformed_ids_are_404_problems(client):
    for path in (f"/notes/{ObjectId()}", "/notes/123", "/notes/zzzzzzzzzzzzzzzzzzzzzzzz", "/notes/%24gt"):
        for method in ("GET", "DELETE"):
            body = assert_problem(client.open(path, method=method), 404)
            assert body["type"] == "about:blank"
            assert body["title"] == "Not Found"
        assert_problem(client.put(path, json={"title": "x"}), 404)
        assert_problem(client.patch(path, json={"title": "x"}), 404)


def test_list_is_newest_first_with_default_limit_20(client, make_note):
    ids = [make_note(f"note {i}")["id"] for i in range(25)]
    response = client.get("/notes")
    assert response.status_code == 200
    notes = response.get_json()
    assert [n["id"] for n in notes] == ids[::-1][:20]
    assert 'rel="next"' in response.headers["Link"]


def test_list_empty_is_an_empty_array_without_link(client):
    response = client.get("/notes")
    assert response.status_code == 200
    assert response.get_json() == []
    assert "Link" not in response.headers


def test_put_replaces_and_resets_omitted_fields(client, make_note):
    note = make_note("old", content="body", tags=["x"])
    response = client.put(f"/notes/{note['id']}", json={"title": "new"})
    assert response.status_code == 200
    updated = response.get_json()
    assert updated["title"] == "new"
    assert updated["content"] == ""
    assert updated["tags"] == []
    assert updated["created_at"] == note["created_at"]
    assert parse_time(updated["updated_at"]) >= parse_time(note["updated_at"])
    assert response.headers["ETag"] == '"2"'
    assert client.get(f"/notes/{note['id']}").get_json() == updated


def test_put_requires_a_title(client, make_note):
    note = make_note()
    body = assert_problem(client.put(f"/notes/{note['id']}", json={"content": "c"}), 422)
    assert body["errors"] == [{"field": "title", "message": "is required"}]


def test_patch_changes_only_given_fields(client, make_note):
    note = make_note("title", content="content", tags=["t"])
    response = client.patch(f"/notes/{note['id']}", json={"content": "changed"})
    assert response.status_code == 200
    patched = response.get_json()
    assert (patched["title"], patched["content"], patched["tags"]) == ("title", "changed", ["t"])
    assert response.headers["ETag"] == '"2"'


def test_patch_accepts_merge_patch_json_and_null_resets_to_defaults(client, make_note):
    note = make_note("title", content="content", tags=["t"])
    response = client.patch(
        f"/notes/{note['id']}",
        data='{"content": null, "tags": null, "title": "renamed"}',
        content_type="application/merge-patch+json",
    )
    assert response.status_code == 200
    patched = response.get_json()
    assert (patched["title"], patched["content"], patched["tags"]) == ("renamed", "", [])


def test_patch_cannot_remove_the_title(client, make_note):
    note = make_note("keep")
    body = assert_problem(client.patch(f"/notes/{note['id']}", json={"title": None}), 422)
    assert body["errors"] == [{"field": "title", "message": "is required and cannot be removed"}]
    assert client.get(f"/notes/{note['id']}").get_json()["title"] == "keep"


def test_empty_patch_is_valid(client, make_note):
    note = make_note("same")
    response = client.patch(f"/notes/{note['id']}", json={})
    assert response.status_code == 200
    assert response.get_json()["title"] == "same"


def test_delete_returns_204_and_the_note_is_gone(client, make_note):
    note = make_note()
    response = client.delete(f"/notes/{note['id']}")
    assert response.status_code == 204
    assert response.data == b""
    assert_problem(client.get(f"/notes/{note['id']}"), 404)
    assert_problem(client.delete(f"/notes/{note['id']}"), 404)


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_openapi_document_is_served(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {"/notes", "/notes/{note_id}", "/healthz", "/openapi.json"}
    assert set(document["paths"]["/notes/{note_id}"]) == {"parameters", "get", "put", "patch", "delete"}


def test_indexes_exist_after_start(app):
    indexes = get_database(app).database.notes.index_information()
    assert indexes["created_at_-1__id_-1"]["key"] == [("created_at", -1), ("_id", -1)]
    assert indexes["tags_1"]["key"] == [("tags", 1)]


def test_a_restarted_app_on_an_existing_database_serves(mongodb_uri, make_note):
    """Startup index creation must be harmless when the indexes exist already."""
    make_note("before the restart")
    again = create_app({"TESTING": True, "MONGODB_URI": mongodb_uri})
    try:
        client = again.test_client()
        assert client.get("/healthz").status_code == 200
        assert [n["title"] for n in client.get("/notes").get_json()] == ["before the restart"]
    finally:
        close_app(again)
