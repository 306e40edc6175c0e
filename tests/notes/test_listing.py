"""GET /notes: keyset pagination, the opaque cursor, q and tag."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from bson import ObjectId

from minidb.notes.cursor import decode_cursor, encode_cursor
from minidb.notes.db import get_database
from tests.notes.helpers import assert_problem

LINK = re.compile(r'<([^>]+)>; rel="next"')


def next_link(response) -> str | None:
    link = response.headers.get("Link")
    if link is None:
        return None
    match = LINK.fullmatch(link)
    assert match, link
    return match.group(1)


def all_pages(client, url: str) -> list[list[dict]]:
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200
        pages.append(response.get_json())
        url = next_link(response)
    return pages


def test_pages_cover_every_note_once_in_order(client, make_note):
    ids = [make_note(f"n{i}")["id"] for i in range(23)]
    pages = all_pages(client, "/notes?limit=5")
    assert [len(p) for p in pages] == [5, 5, 5, 5, 3]
    assert [n["id"] for p in pages for n in p] == ids[::-1]


def test_exact_multiple_has_no_empty_last_page(client, make_note):
    for i in range(6):
        make_note(f"n{i}")
    pages = all_pages(client, "/notes?limit=3")
    assert [len(p) for p in pages] == [3, 3]


def test_ties_on_created_at_are_broken_by_id(app, client):
    # Same millisecond for every note: only _id orders them.
    same = datetime(2026, 1, 1, tzinfo=UTC)
    ids = [ObjectId() for _ in range(7)]
    docs = [
        {
            "_id": i,
            "title": "t",
            "content": "",
            "tags": [],
            "created_at": same,
            "updated_at": same,
            "version": 1,
        }
        for i in ids
    ]
    get_database(app).database.notes.insert_many(docs)
    pages = all_pages(client, "/notes?limit=2")
    assert [n["id"] for p in pages for n in p] == [str(i) for i in sorted(ids, reverse=True)]


def test_link_keeps_the_filters_and_limit(client, make_note):
    for i in range(4):
        make_note(f"match {i}", tags=["t"])
    response = client.get("/notes?limit=2&q=match&tag=t")
    url = next_link(response)
    assert url.startswith("/notes?")
    query = parse_qs(urlsplit(url).query)
    assert query["limit"] == ["2"] and query["q"] == ["match"] and query["tag"] == ["t"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{24}", query["cursor"][0])


def test_cursor_round_trip():
    when = datetime(2026, 11, 25, 17, 27, 43, 123000, tzinfo=UTC)
    oid = ObjectId()
    assert decode_cursor(encode_cursor(when, oid)) == (when, oid)


@pytest.mark.parametrize(
    "cursor", ["", "abc", "not*base64*at*all*here!!", "A" * 23, "A" * 25, "AAAAAAAAAAAAAAAAAAAAAAA="]
)
def test_malformed_cursor_is_400(client, cursor):
    body = assert_problem(client.get("/notes", query_string={"cursor": cursor}), 400)
    assert "cursor" in body["detail"]


def test_well_formed_foreign_cursor_is_just_a_position(client, make_note):
    make_note("only")
    # The largest possible position sorts after every note: the whole list.
    assert len(client.get("/notes?cursor=" + "_" * 24).get_json()) == 1
    # The smallest sorts before every note: nothing.
    assert client.get("/notes?cursor=" + "A" * 24).get_json() == []


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=101",
        "limit=-1",
        "limit=abc",
        "limit=1.5",
        "limit=",
        "limit=%201",
        "limit=1_0",
        "q=" + "x" * 201,
        "tag=",
        "tag=" + "x" * 51,
    ],
)
def test_bad_query_parameters_are_400(client, query):
    body = assert_problem(client.get("/notes?" + query), 400)
    assert query.split("=")[0] in body["detail"]


def test_limit_bounds_are_accepted(client, make_note):
    for i in range(3):
        make_note(f"n{i}")
    assert len(client.get("/notes?limit=1").get_json()) == 1
    assert len(client.get("/notes?limit=100").get_json()) == 3
    assert client.get("/notes?q=" + "x" * 200).status_code == 200


def test_q_is_case_insensitive_substring_of_title_or_content(client, make_note):
    title = make_note("Quarterly PLANNING")["id"]
    content = make_note("other", content="we are planning things")["id"]
    make_note("unrelated", content="nothing here")
    found = [n["id"] for n in client.get("/notes?q=pLaNnInG").get_json()]
    assert found == [content, title]


def test_q_matches_non_ascii_case_insensitively(client, make_note):
    note = make_note("Crème BRÛLÉE")["id"]
    assert [n["id"] for n in client.get("/notes", query_string={"q": "brûlée"}).get_json()] == [note]


@pytest.mark.parametrize(
    "needle", [".*", "(", "[", "\\", "a+b", "^start", "end$", "x|y", "{2}", "?", "$where", "\x00"]
)
def test_q_metacharacters_match_only_themselves(client, make_note, needle):
    make_note("plain words", content="nothing special")
    make_note("a", content="b")
    holder = make_note(f"has {needle} inside")["id"]
    response = client.get("/notes", query_string={"q": needle})
    assert response.status_code == 200
    assert [n["id"] for n in response.get_json()] == [holder]


def test_empty_q_matches_everything(client, make_note):
    make_note("one")
    assert len(client.get("/notes?q=").get_json()) == 1


def test_tag_filter(client, make_note):
    work = make_note("w", tags=["work", "urgent"])["id"]
    make_note("h", tags=["home"])
    make_note("none")
    assert [n["id"] for n in client.get("/notes?tag=work").get_json()] == [work]
    assert [n["id"] for n in client.get("/notes?tag=urgent").get_json()] == [work]
    assert client.get("/notes?tag=wor").get_json() == []
    assert client.get("/notes", query_string={"tag": '{"$ne": 1}'}).get_json() == []


def test_q_and_tag_combine(client, make_note):
    both = make_note("alpha", tags=["x"])["id"]
    make_note("alpha", tags=["y"])
    make_note("beta", tags=["x"])
    assert [n["id"] for n in client.get("/notes?q=ALPHA&tag=x").get_json()] == [both]
