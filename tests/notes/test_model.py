"""The domain layer on its own: no HTTP, no database."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from bson import ObjectId

from minidb.notes.cursor import MAX_TIMESTAMP, InvalidCursor, decode_cursor, encode_cursor
from minidb.notes.model import (
    NOT_ONLY_WHITESPACE_PATTERN,
    WHITESPACE,
    ValidationError,
    format_timestamp,
    utc_now,
    validate_note,
    validate_patch,
)
from minidb.notes.repository import search_pattern


def test_validate_note_returns_only_writable_fields_with_defaults():
    body = {"title": "t", "id": "x", "created_at": 1, "updated_at": None}
    assert validate_note(body) == {"title": "t", "content": "", "tags": []}


def test_default_tags_are_not_shared_between_notes():
    first, second = validate_note({"title": "a"}), validate_note({"title": "b"})
    first["tags"].append("oops")
    assert second["tags"] == []


def test_validate_patch_null_resets_and_absent_is_untouched():
    assert validate_patch({"content": None}) == {"content": ""}
    assert validate_patch({"tags": None}) == {"tags": []}
    assert validate_patch({}) == {}
    with pytest.raises(ValidationError) as caught:
        validate_patch({"title": None, "tags": "x"})
    assert [e.field for e in caught.value.errors] == ["title", "tags"]


def test_booleans_are_not_strings_or_lists():
    with pytest.raises(ValidationError):
        validate_note({"title": True})


@pytest.mark.parametrize("char", list(WHITESPACE))
def test_white_space_set_matches_the_openapi_pattern(char):
    assert not re.search(NOT_ONLY_WHITESPACE_PATTERN, char * 3)
    with pytest.raises(ValidationError):
        validate_note({"title": char * 3})


@pytest.mark.parametrize("char", ["\x85", "\x1c", "\x1f", "a", "\u200b"])
def test_characters_json_schema_does_not_call_white_space_are_titles(char):
    assert re.search(NOT_ONLY_WHITESPACE_PATTERN, char)
    assert validate_note({"title": char})["title"] == char


def test_utc_now_is_truncated_to_milliseconds():
    now = utc_now()
    assert now.tzinfo is UTC
    assert now.microsecond % 1000 == 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2026, 11, 25, 17, 27, 43, 123000, tzinfo=UTC), "2026-11-25T17:27:43.123Z"),
        (datetime(2026, 1, 1, tzinfo=UTC), "2026-01-01T00:00:00.000Z"),
        (datetime(999, 1, 1, tzinfo=UTC), "0999-01-01T00:00:00.000Z"),
        (
            datetime(2026, 1, 1, 2, 0, 0, 5000, tzinfo=timezone(timedelta(hours=2))),
            "2026-01-01T00:00:00.005Z",
        ),
    ],
)
def test_format_timestamp(value, expected):
    assert format_timestamp(value) == expected


def test_cursor_is_24_url_safe_characters():
    cursor = encode_cursor(datetime(2026, 1, 1, tzinfo=UTC), ObjectId())
    assert re.fullmatch(r"[A-Za-z0-9_-]{24}", cursor)


def test_cursor_past_the_end_of_time_is_clamped():
    when, _ = decode_cursor("_" * 24)
    assert when == MAX_TIMESTAMP


@pytest.mark.parametrize("cursor", ["", "A" * 23, "A" * 23 + "=", "A" * 23 + "+", "A" * 23 + "/"])
def test_cursor_outside_the_alphabet_or_length_is_invalid(cursor):
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor)


def test_cursor_refuses_times_before_the_epoch():
    with pytest.raises(ValueError):
        encode_cursor(datetime(1969, 12, 31, tzinfo=UTC), ObjectId())


@pytest.mark.parametrize("text", [".*", "(", "[", "\\", "a+b?", "$", "x\x00y", "\n"])
def test_search_pattern_matches_the_text_literally(text):
    pattern = search_pattern(text)
    assert "\x00" not in pattern
    assert re.fullmatch(pattern, text)
    assert re.search(pattern, f"before{text}after")
    assert not re.search(pattern, "plain words")
