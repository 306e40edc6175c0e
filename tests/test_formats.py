"""The streamed JSON array reader and writer shared by both CLIs."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minidb import formats
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
