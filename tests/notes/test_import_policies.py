"""flask import: --on-conflict fail|skip on _id, --skip-invalid, every bad line named.

The notes database has no transactions, so "nothing was imported" means
nothing was written: the whole file is checked before the first write.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from bson import ObjectId

from minidb.notes.db import get_database
from tests.harness.terminal import run_on_terminal
from tests.notes.helpers import REPO, export_line


@pytest.fixture
def notes(app):
    return get_database(app).database.notes


@pytest.fixture
def import_file(runner, tmp_path):
    def run(lines: list[str], *options: str):
        path = tmp_path / "notes.jsonl"
        path.write_text("".join(f"{text}\n" for text in lines))
        return runner.invoke(args=["import", str(path), *options]), str(path)

    return run


def titles(notes) -> list[str]:
    return sorted(doc["title"] for doc in notes.find())


def test_reimporting_an_export_fails_exit_1_naming_every_conflict_and_writes_nothing(
        runner, make_note, notes, import_file) -> None:
    made = [make_note(f"note {n}") for n in range(25)]
    exported = runner.invoke(args=["export"]).stdout.splitlines()
    before = list(notes.find().sort("_id"))
    result, path = import_file([export_line("new"), *exported])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == (f"Error: {path}: 25 conflicts; nothing was imported "
                        "(--on-conflict skip chooses otherwise)")
    ids = [json.loads(text)["_id"]["$oid"] for text in exported]
    assert sorted(ids) == sorted(note["id"] for note in made)
    assert lines[1:21] == [f"line {n + 2}: a note with _id {oid} already exists"
                           for n, oid in enumerate(ids[:20])]
    assert lines[21:] == ["... and 5 more conflicts"]
    assert list(notes.find().sort("_id")) == before  # "new" was not written either


def test_on_conflict_skip_writes_only_the_new_notes(runner, make_note, notes, import_file) -> None:
    make_note("kept as it is")
    exported = runner.invoke(args=["export"]).stdout.splitlines()
    changed = json.dumps({**json.loads(exported[0]), "title": "changed"})
    result, _ = import_file([changed, export_line("new one")], "--on-conflict", "skip")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "Imported 1 note; left out 1 already there (same _id).\n"
    assert titles(notes) == ["kept as it is", "new one"]


def test_an_id_repeated_in_the_file_is_a_conflict_and_skip_keeps_the_first(notes, import_file) -> None:
    same = str(ObjectId())
    lines = [export_line("first", same), export_line("other"), export_line("second", same)]
    result, _ = import_file(lines)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[1:] == [f"line 3: _id {same} repeats line 1"]
    assert titles(notes) == []
    result, _ = import_file(lines, "--on-conflict", "skip")
    assert result.exit_code == 0
    assert titles(notes) == ["first", "other"]


def test_an_id_repeated_batches_apart_is_found_too(notes, import_file, monkeypatch) -> None:
    monkeypatch.setattr("minidb.notes.cli.BATCH_SIZE", 3)
    same = str(ObjectId())
    lines = [export_line("a", same), *(export_line() for _ in range(7)), export_line("b", same)]
    result, _ = import_file(lines)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[1:] == [f"line 9: _id {same} repeats line 1"]
    assert titles(notes) == []


def three_bad_among_100() -> list[str]:
    lines = [export_line(f"note {n}") for n in range(100)]
    lines[16] = export_line(title="")
    lines[43] = "{not json"
    lines[87] = export_line(version=0)
    return lines


def test_skip_invalid_writes_the_97_good_notes_and_names_the_3(notes, import_file) -> None:
    result, _ = import_file(three_bad_among_100(), "--skip-invalid")
    assert result.exit_code == 0
    skipped = result.stderr.splitlines()
    assert [s.split(":")[0] for s in skipped] == ["Skipped line 17", "Skipped line 44", "Skipped line 88"]
    assert result.stdout.startswith("Imported 97 notes; skipped 3 (line 17: ")
    assert "; line 44: " in result.stdout and "; line 88: version" in result.stdout
    assert len(titles(notes)) == 97


def test_without_skip_invalid_every_bad_line_is_named_and_nothing_written(notes, import_file) -> None:
    result, path = import_file(three_bad_among_100())
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0] == (f"Error: {path}: 3 bad records; nothing was imported "
                        "(--skip-invalid imports the valid ones)")
    assert [text.split(":")[0] for text in lines[1:]] == ["line 17", "line 44", "line 88"]
    assert titles(notes) == []


def test_the_first_20_bad_lines_are_named_then_a_count(notes, import_file) -> None:
    result, _ = import_file([export_line(version=0) for _ in range(30)] + [export_line()])
    lines = result.stderr.splitlines()
    assert result.exit_code == 2
    assert [text.split(":")[0] for text in lines[1:21]] == [f"line {n}" for n in range(1, 21)]
    assert lines[21:] == ["... and 10 more bad records"]
    assert titles(notes) == []


def test_replace_is_not_a_notes_policy(import_file) -> None:
    result, _ = import_file([export_line()], "--on-conflict", "replace")
    assert result.exit_code == 2
    assert "'replace' is not one of 'fail', 'skip'" in result.stderr


def test_a_long_import_and_export_show_progress_on_a_terminal_only(mongodb_uri, tmp_path) -> None:
    path = tmp_path / "notes.jsonl"
    path.write_text("".join(f"{export_line(f'note {n}')}\n" for n in range(1500)))
    flask = [sys.executable, "-m", "flask", "--app", "minidb.notes"]
    env = {"MONGODB_URI": mongodb_uri, "PATH": "/usr/bin:/bin", "MINIDB_PROGRESS_AFTER": "0"}
    code, out, shown = run_on_terminal([*flask, "import", str(path)], env, REPO)
    assert (code, out) == (0, "Imported 1500 notes.\n")
    assert "\rImporting: " in shown.replace("\x1b[K", "") and shown.endswith("\r\x1b[K")
    code, out, shown = run_on_terminal([*flask, "export"], env, REPO)
    assert code == 0 and len(out.splitlines()) == 1500
    assert "\rExporting: " in shown.replace("\x1b[K", "") and shown.endswith("\r\x1b[K")
    piped = subprocess.run([*flask, "export"], env=env, cwd=REPO, capture_output=True, text=True,
                           timeout=60, check=False)
    assert (piped.returncode, piped.stderr) == (0, "")
