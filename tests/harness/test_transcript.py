"""The README transcript runner: what it accepts as "prints what the README shows", and what not."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness.transcript import Block, Session, check_fences, fenced_blocks, session_environment, steps

UUID_1 = "e771ebc2-5e0a-4811-899f-26e79a9fe9e5"
UUID_2 = "5260e54f-5ab6-4b4d-8a96-736d85d5bab7"


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    started = Session(tmp_path, session_environment(os.environ), {"http://example.test:5000": "http://127.0.0.1:1"},
                      {}, timeout=10)
    yield started
    started.close()


def console(text: str) -> Block:
    return Block("console", text.strip("\n"), 1)


def differences(session: Session, text: str) -> list[str]:
    return session.run_block(console(text))


def test_a_transcript_is_commands_continued_lines_and_their_output():
    block = console("$ echo a \\\n>   b\na b\n$ true\n$ printf 'x\\ny\\n'\nx\ny\n")
    assert [(step.command, step.expected) for step in steps(block)] == [
        ("echo a \\\n  b", ["a b"]), ("true", []), ("printf 'x\\ny\\n'", ["x", "y"])]


def test_output_that_differs_is_reported_with_the_readme_line(session):
    found = differences(session, "$ echo plumber\nelectrician\n$ echo fine\nfine\n")
    assert len(found) == 1
    assert "README line 2: $ echo plumber" in found[0] and "electrician" in found[0]


def test_the_shell_keeps_variables_files_and_the_exit_status_between_blocks(session):
    assert differences(session, "$ ID=42; echo hi > note.txt\n$ false\n") == []
    assert differences(session, "$ echo $?\n1\n$ echo $ID; cat note.txt\n42\nhi\n") == []


def test_stdout_and_stderr_are_shown_together_in_order(session):
    assert differences(session, "$ echo out; echo err >&2; echo out2\nout\nerr\nout2\n") == []


def test_an_ellipsis_stands_for_text_in_a_line_or_for_whole_lines(session):
    assert differences(session, "$ echo 'Link: <abc123>; rel=next'\nLink: <…>; rel=next\n") == []
    headers = "$ printf 'HTTP 201\\nDate: x\\nServer: y\\nETag: 1\\n'\n"
    assert differences(session, headers + "HTTP 201\n…\nETag: 1\n") == []
    assert differences(session, "$ echo abc\nabd…\n") != []


def test_a_value_shown_twice_must_be_printed_twice(session):
    assert differences(session, f"$ echo {UUID_2}\n{UUID_1}\n$ echo {UUID_2}\n{UUID_1}\n") == []
    # UUID_1 now stands for what was printed (UUID_2): anything else in its place is drift.
    assert differences(session, f"$ echo {UUID_1}\n{UUID_1}\n") != []
    assert differences(session, "$ echo 2026-11-25T17:27:43.512830Z\n2020-01-01T00:00:00Z\n") == []


def test_the_readme_addresses_are_mapped_to_the_test_servers_both_ways(session):
    readme_address = "http://example.test:5000/notes"
    assert differences(session, f"$ echo {readme_address}\n{readme_address}\n") == []
    assert differences(session, "$ echo http://127.0.0.1:1\nhttp://example.test:5000\n") == []
    # What the command really ran with, once the output no longer spells the address:
    assert differences(session, "$ echo http://example.test:5000 | tr -d :\nhttp//127.0.0.11\n") == []


def test_a_hung_example_fails_instead_of_hanging_the_suite(tmp_path):
    hung = Session(tmp_path, session_environment(os.environ), {}, {}, timeout=1)
    try:
        with pytest.raises(AssertionError, match="did not finish within 1 s"):
            hung.run_block(console("$ sleep 30\n"))
    finally:
        hung.close()


def test_transcripts_outside_console_blocks_and_unknown_blocks_are_refused():
    markdown = ("```sh\n$ make\n```\n\n```\nplain\n```\n\n"
                "```console not-run\n$ ok\n```\n\n```console\nno prompt\n```\n")
    assert check_fences(list(fenced_blocks(markdown))) == [
        "line 1: ```sh block with '$ ' prompts: a transcript is ```console (tested) or ```console not-run",
        "line 5: unknown code block type '' (use ```console, ```console not-run or one of sh, json, sql, "
        "python, ini, text)",
        "line 13: a ```console block must start with a '$ ' command",
    ]
