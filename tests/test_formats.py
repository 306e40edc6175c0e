"""The streamed JSON array reader and writer shared by both CLIs."""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minidb import formats, values
from minidb.errors import InvalidInput

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(items=st.lists(json_values, max_size=8), chunk=st.integers(min_value=1, max_value=17))
def test_any_array_round_trips_whatever_the_chunk_size(items, chunk) -> None:
    out = io.StringIO()
    assert formats.write_json_array(items, out) == len(items)
    original, formats._READ_SIZE = formats._READ_SIZE, chunk
    try:
        assert list(formats.read_json_array(io.StringIO(out.getvalue()))) == items
    finally:
        formats._READ_SIZE = original


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "not a JSON array"),
        ("[1 2]", "record 1: expected ',' or ']' after it"),
        ("[1,]", "record 2: malformed JSON"),
        ("[1] [2]", "unexpected text after the JSON array"),
    ],
)
def test_broken_arrays_name_the_record(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message.replace("[", r"\[")):
        list(formats.read_json_array(io.StringIO(text)))


def test_sniffing_puts_the_peeked_text_back() -> None:
    fmt, stream = formats.sniff_format("-", io.StringIO("  [1, 2]"), ("json", "csv"))
    assert (fmt, stream.read()) == ("json", "  [1, 2]")
    fmt, stream = formats.sniff_format("x.CSV", io.StringIO("[odd csv"), ("json", "csv"))
    assert (fmt, stream.read()) == ("csv", "[odd csv")


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1 << 16])
@pytest.mark.parametrize(
    "element",
    ['"' + "x" * 200 + '"', "[" + ",".join(["1"] * 100) + "]", '{"a": "' + '\\"' * 100 + '"}', "1" * 150],
    ids=["string", "array", "escapes", "number"],
)
def test_a_record_over_the_size_limit_is_refused_whatever_the_chunk_size(monkeypatch, chunk, element) -> None:
    monkeypatch.setattr(formats, "_READ_SIZE", chunk)
    monkeypatch.setattr(formats, "MAX_RECORD", len(element))
    assert list(formats.read_json_array(io.StringIO(f'[1, {element}, "last"]')))[-1] == "last"
    monkeypatch.setattr(formats, "MAX_RECORD", len(element) - 1)
    with pytest.raises(InvalidInput, match=r"^record 2: larger than 1 MiB, the most a record may be$"):
        list(formats.read_json_array(io.StringIO(f'[1, {element}, "last"]')))


@pytest.mark.parametrize("chunk", [1, 5, 1 << 16])
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, " + "[" * 100_000 + "]", "record 2: nested too deeply"),
        ("[1, " + "9" * 5000 + "]", "record 2: a number has more than 4300 digits"),
        ('[1, "unterminated', "record 2: malformed JSON (Unterminated string"),
        ('[1, {"a": [1, 2}]', "record 2: malformed JSON"),
        ('[1, "a\\', "record 2: malformed JSON"),
    ],
)
def test_undecodable_records_are_named(monkeypatch, chunk, text, message) -> None:
    monkeypatch.setattr(formats, "_READ_SIZE", chunk)
    with pytest.raises(InvalidInput, match="^" + re.escape(message)):
        list(formats.read_json_array(io.StringIO(text)))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ok", None),
        ("Zoë 👩‍💻 \u200f", None),
        ("a\x00", "description contains a NUL character (character 2), which cannot be stored"),
        ("ab\ud800", "description contains a lone surrogate (U+D800 at character 3), which is not text"),
        ("\udfff", "description contains a lone surrogate (U+DFFF at character 1), which is not text"),
        (b"caf\xe9".decode("utf-8", "surrogateescape"),
         "description is not UTF-8 text (byte 0xE9 at character 4)"),
    ],
)
def test_check_text_refuses_what_neither_engine_can_store(text: str, message: str | None) -> None:
    if message is None:
        assert values.check_text(text, "description") == text
    else:
        with pytest.raises(InvalidInput, match="^" + re.escape(message) + "$"):
            values.check_text(text, "description")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_sniffing_refuses_utf16_and_utf32_even_with_a_known_extension(encoding: str) -> None:
    raw = io.BytesIO('\ufeff[{"description": "x"}]'.encode(encoding))
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape")
    with pytest.raises(InvalidInput, match=r"^t\.json is UTF-16 or UTF-32 text"):
        formats.sniff_format("t.json", text, ("json", "csv"))
