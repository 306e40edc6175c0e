"""The import machinery every import shares (minidb.imports), on its own.

The apps' imports are tested against real databases in their own folders;
these tests pin the rules they all inherit: which records are kept, what is
named and how, and the verdict.
"""

from __future__ import annotations

import io
from typing import Any

import pytest

from minidb.errors import InvalidInput
from minidb.imports import (
    MAX_NAMED,
    ImportPolicy,
    ImportRefused,
    ImportRun,
    Item,
    csv_records,
    json_records,
    repeats,
)


def number(item: Item[Any]) -> int:
    """A toy validator: records must be non-negative integers."""
    if not isinstance(item.value, int) or item.value < 0:
        raise InvalidInput(f"{item.where}: expected a non-negative integer, not {item.value!r}")
    return item.value


def read(text: str) -> io.StringIO:
    return io.StringIO(text)


def run_of(**policy: Any) -> tuple[ImportRun[int], io.StringIO]:
    stderr = io.StringIO()
    return ImportRun(ImportPolicy(**policy), "number", stderr), stderr


def test_valid_records_come_in_chunks_with_where_they_are() -> None:
    run, stderr = run_of()
    chunks = list(run.chunks(json_records(read("[1, 2, 3, 4, 5]")), number, size=2))
    assert [[(i.where, i.value) for i in c] for c in chunks] == [
        [("record 1", 1), ("record 2", 2)], [("record 3", 3), ("record 4", 4)], [("record 5", 5)]]
    run.imported = 5
    run.finish()
    assert run.summary() == "Imported 5 numbers."
    assert stderr.getvalue() == ""


def test_by_default_a_bad_record_refuses_the_import_naming_every_bad_record() -> None:
    run, stderr = run_of()
    kept = [i.value for c in run.chunks(json_records(read('[1, -2, 3, "x", 5, -6]')), number) for i in c]
    assert kept == [1, 3, 5]  # the app may write them: the refusal rolls them back
    assert run.failed
    with pytest.raises(ImportRefused) as refused:
        run.finish()
    assert refused.value.exit_code == 2
    assert str(refused.value) == ("3 bad records; nothing was imported "
                                  "(--skip-invalid imports the valid ones)")
    assert refused.value.details == (
        "record 2: expected a non-negative integer, not -2",
        "record 4: expected a non-negative integer, not 'x'",
        "record 6: expected a non-negative integer, not -6",
    )
    assert stderr.getvalue() == ""


def test_the_first_20_bad_records_are_named_then_counted() -> None:
    run, _ = run_of()
    list(run.chunks(json_records(read("[" + ", ".join(["-1"] * 1000 + ["7"]) + "]")), number))
    with pytest.raises(ImportRefused) as refused:
        run.finish()
    details = refused.value.details
    assert str(refused.value).startswith("1000 bad records; nothing was imported")
    assert len(details) == MAX_NAMED + 1 == 21
    assert details[0] == "record 1: expected a non-negative integer, not -1"
    assert details[19].startswith("record 20: ")
    assert details[20] == "... and 980 more bad records"
    assert len(run.invalid.named) == MAX_NAMED  # memory holds the named ones only


def test_skip_invalid_keeps_the_valid_names_each_skipped_one_and_sums_up() -> None:
    run, stderr = run_of(skip_invalid=True)
    kept = [i.value for c in run.chunks(json_records(read('[1, -2, 3, "x", 5]')), number) for i in c]
    assert kept == [1, 3, 5]
    assert not run.failed
    run.imported = len(kept)
    run.finish()
    assert stderr.getvalue() == ("Skipped record 2: expected a non-negative integer, not -2\n"
                                 "Skipped record 4: expected a non-negative integer, not 'x'\n")
    assert run.summary() == ("Imported 3 numbers; skipped 2 (record 2: expected a non-negative "
                             "integer, not -2; record 4: expected a non-negative integer, not 'x').")


def test_the_summary_names_the_first_20_skipped_then_counts() -> None:
    run, stderr = run_of(skip_invalid=True)
    list(run.chunks(json_records(read("[" + ", ".join(["-1"] * 25) + "]")), number))
    run.finish()
    assert stderr.getvalue().count("Skipped record") == 25  # each one named as it is met
    summary = run.summary()
    assert summary.startswith("Imported 0 numbers; skipped 25 (record 1: ")
    assert summary.endswith("; record 20: expected a non-negative integer, not -1; and 5 more).")


def test_a_record_the_reader_cannot_step_over_refuses_even_with_skip_invalid() -> None:
    run, _ = run_of(skip_invalid=True)
    kept = [i.value for c in run.chunks(json_records(read('[1, -2, 3, {"broken": ]')), number) for i in c]
    assert kept == [1, 3]
    with pytest.raises(ImportRefused) as refused:
        run.finish()
    assert refused.value.exit_code == 2
    assert str(refused.value) == ("1 bad record; nothing was imported "
                                  "(the file cannot be read past record 4)")
    assert refused.value.details == ("record 4: malformed JSON (Expecting value)",)


def test_without_skip_invalid_the_unreadable_record_is_named_after_the_others() -> None:
    run, _ = run_of()
    list(run.chunks(json_records(read("[-1, 2, 3, x]")), number))
    with pytest.raises(ImportRefused) as refused:
        run.finish()
    assert str(refused.value).startswith("2 bad records; nothing was imported")
    assert refused.value.details == ("record 1: expected a non-negative integer, not -1",
                                     "record 4: malformed JSON (Expecting value)")


def test_a_file_wrong_from_the_start_is_one_line() -> None:
    run, _ = run_of(skip_invalid=True)
    assert list(run.chunks(json_records(read('{"not": "an array"}')), number)) == []
    with pytest.raises(InvalidInput) as refused:
        run.finish()
    assert not isinstance(refused.value, ImportRefused)
    assert str(refused.value) == "not a JSON array: the file must start with '['"


def test_conflicts_under_fail_refuse_with_exit_1_naming_each() -> None:
    run, _ = run_of()
    for n in range(25):
        assert run.conflict(f"record {n + 1}: uid u{n} is already number {n}") is True
    with pytest.raises(ImportRefused) as refused:
        run.finish()
    assert refused.value.exit_code == 1
    assert str(refused.value) == "25 conflicts; nothing was imported (--on-conflict skip chooses otherwise)"
    assert refused.value.details[:2] == ("record 1: uid u0 is already number 0",
                                         "record 2: uid u1 is already number 1")
    assert refused.value.details[-1] == "... and 5 more conflicts"
    assert len(refused.value.details) == 21


def test_bad_records_and_conflicts_are_named_together_and_bad_input_wins_the_exit_status() -> None:
    run, _ = run_of()
    list(run.chunks(json_records(read("[1, -2]")), number))
    run.conflict("record 1: uid u is already number 9")
    with pytest.raises(ImportRefused) as refused:
        run.finish()
    assert refused.value.exit_code == 2
    assert str(refused.value).startswith("1 bad record and 1 conflict; nothing was imported")
    assert refused.value.details == ("record 2: expected a non-negative integer, not -2",
                                     "record 1: uid u is already number 9")


def test_skip_leaves_conflicts_out_and_counts_them() -> None:
    run, _ = run_of(on_conflict="skip")
    assert run.conflict("record 1: uid u is already number 9") is True
    run.imported = 4
    run.finish()
    assert run.summary() == "Imported 4 numbers; left out 1 already there (same uid)."


def test_an_apps_own_policy_is_carried_out_by_the_app() -> None:
    run, _ = run_of(on_conflict="replace")
    assert run.conflict("record 1: uid u is already number 9") is False
    run.replaced, run.imported = 1, 2
    run.finish()
    assert run.summary() == "Imported 2 numbers; replaced 1."


def test_repeats_within_a_chunk_name_the_earlier_record() -> None:
    chunk = [Item("line 2", "a"), Item("line 3", "b"), Item("line 4", "a"), Item("line 5", "a")]
    assert repeats(chunk, lambda item: [item.value]) == {2: ("a", "line 2"), 3: ("a", "line 2")}
    # Several keys per record (a uid, a phone, an e-mail): the first repeat is reported.
    pairs = [Item("card 1", ("u1", "p1")), Item("card 2", ("u2", "p1")), Item("card 3", ("u2", None))]
    assert repeats(pairs, lambda item: item.value) == {1: ("p1", "card 1"), 2: ("u2", "card 2")}


def test_csv_rows_with_the_wrong_number_of_fields_are_stepped_over() -> None:
    run, stderr = run_of(skip_invalid=True)
    rows = csv_records(read("n,label\n1,a\n2\n\n3,c\n4,d,extra\n"), ["n"], ["label"])
    kept = [(i.where, i.value) for c in run.chunks(rows, lambda item: item.value) for i in c]
    assert kept == [("line 2", {"n": "1", "label": "a"}), ("line 5", {"n": "3", "label": "c"})]
    assert stderr.getvalue() == ("Skipped line 3: expected 2 fields, found 1\n"
                                 "Skipped line 6: expected 2 fields, found 3\n")


def test_a_csv_file_with_a_bad_header_is_one_line() -> None:
    run, _ = run_of()
    list(run.chunks(csv_records(read("colour\nred\n"), ["n"]), lambda item: item.value))
    with pytest.raises(InvalidInput) as refused:
        run.finish()
    assert str(refused.value) == "line 1: CSV header must be n; missing n; unknown colour"


def test_messages_quoting_the_file_stay_on_one_line() -> None:
    run, stderr = run_of(skip_invalid=True)
    run.reject(InvalidInput("record 1: unknown field(s) bad\nkey\x00"))
    assert stderr.getvalue() == "Skipped record 1: unknown field(s) bad\\nkey\\x00\n"
