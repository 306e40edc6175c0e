"""Imports a user can trust: --on-conflict, --skip-invalid, every bad record named.

A conflict is a record whose uid is already stored or repeats an earlier
record of the file. ``fail`` (the default) imports nothing, exit 1, naming
every conflict; ``skip`` leaves the stored task as it is; ``replace`` gives
it the record's fields and tags and it keeps its id. A bad record refuses
the import (exit 2) naming every bad record, unless ``--skip-invalid``.
Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from minidb.db import connect, parse
from minidb.imports import CHUNK_SIZE, ImportPolicy, csv_records, json_records
from minidb.todo.store import TaskList


def uid(n: int) -> str:
    return str(uuid.UUID(int=n, version=4))


def record(n: int, **fields) -> dict:
    return {"uid": uid(n), "description": f"task {n}", "completed": False, "priority": None,
            "due": None, "tags": [], "created_at": "2026-01-01T00:00:00Z", "completed_at": None,
            **fields}


def write(tmp_path: Path, records: list, name: str = "tasks.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return str(path)


def without_ids(tasks: list[dict]) -> list[dict]:
    return [{k: v for k, v in t.items() if k != "id"} for t in tasks]


# --- conflicts


def test_reimporting_the_same_export_fails_exit_1_and_changes_nothing(todo, todo_json, tmp_path) -> None:
    for n in range(3):
        todo("add", f"task {n}", "--tag", "t")
    before = todo("export").stdout
    path = tmp_path / "export.json"
    path.write_text(before, encoding="utf-8")
    tasks = json.loads(before)
    result = todo("import", str(path))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "Error: 3 conflicts; nothing was imported (--on-conflict skip|replace chooses otherwise)\n"
        + "".join(f"record {n + 1}: task {t['id']} already has uid {t['uid']}\n"
                  for n, t in enumerate(tasks)))
    assert todo("export").stdout == before


def test_every_conflict_is_named_the_first_20_then_a_count(todo, tmp_path) -> None:
    assert todo("import", write(tmp_path, [record(n) for n in range(25)])).exit_code == 0
    mixed = [record(n) for n in range(100, 110)] + [record(n) for n in range(25)]
    result = todo("import", write(tmp_path, mixed, "again.json"))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Error: 25 conflicts; nothing was imported")
    assert lines[1:21] == [f"record {n + 11}: task {n + 1} already has uid {uid(n)}" for n in range(20)]
    assert lines[21:] == ["... and 5 more conflicts"]
    assert len(json.loads(todo("export").stdout)) == 25  # the 10 new ones were not kept either


def test_on_conflict_skip_imports_the_new_and_never_duplicates(todo, todo_json, tmp_path) -> None:
    todo("add", "mine")
    first = [record(n) for n in range(3)]
    assert todo("import", write(tmp_path, first)).stdout == "Imported 3 tasks.\n"
    stored = todo("export").stdout
    again = [record(1, description="changed"), record(3), record(2), record(4)]
    result = todo("import", write(tmp_path, again, "again.json"), "--on-conflict", "skip")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "Imported 2 tasks; left out 2 already there (same uid).\n"
    tasks = json.loads(todo("export").stdout)
    assert tasks[:4] == json.loads(stored)  # untouched, "changed" did not win
    assert [t["uid"] for t in tasks[4:]] == [uid(3), uid(4)]
    assert len({t["uid"] for t in tasks}) == len(tasks) == 6


def test_on_conflict_replace_overwrites_fields_and_tags_and_keeps_the_id(todo, todo_json, tmp_path) -> None:
    todo("import", write(tmp_path, [record(0, tags=["old"]), record(1, tags=["keep"])]))
    todo("add", "mine")
    replacement = record(0, description="replaced", completed=True, priority="high", due="2027-01-02",
                         tags=["new", "newer"], created_at="2025-05-05T05:05:05.5Z",
                         completed_at="2025-06-06T06:06:06Z")
    result = todo("import", write(tmp_path, [record(7), replacement], "r.json"), "--on-conflict", "replace")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, "Imported 1 task; replaced 1.\n", "")
    tasks = {t["uid"]: t for t in json.loads(todo("export").stdout)}
    assert tasks[uid(0)] == {
        "id": 1, "uid": uid(0), "description": "replaced", "completed": True, "priority": "high",
        "due": "2027-01-02", "tags": ["new", "newer"], "created_at": "2025-05-05T05:05:05.500000Z",
        "completed_at": "2025-06-06T06:06:06Z"}
    assert tasks[uid(1)]["tags"] == ["keep"]
    assert tasks[uid(7)]["id"] == 4  # a new id, after the existing ones
    assert todo_json("list", "--tag", "old") == []


def test_replace_of_an_export_of_the_same_database_changes_nothing(todo, tmp_path) -> None:
    todo("add", "a", "--tag", "x", "--due", "2026-12-01")
    todo("add", "b", "--priority", "low")
    todo("done", "2")
    before = todo("export").stdout
    path = tmp_path / "same.json"
    path.write_text(before)
    result = todo("import", str(path), "--on-conflict", "replace")
    assert result.stdout == "Imported 0 tasks; replaced 2.\n"
    assert todo("export").stdout == before


# --- uids repeated within the file


def test_a_uid_repeated_in_the_file_is_a_conflict_naming_the_earlier_record(todo, tmp_path) -> None:
    result = todo("import", write(tmp_path, [record(0), record(1), record(0, description="again")]))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[1:] == [f"record 3: uid {uid(0)} repeats record 1"]
    assert json.loads(todo("export").stdout) == []


def test_a_uid_repeated_chunks_apart_is_found_by_the_database(todo, tmp_path) -> None:
    far = CHUNK_SIZE + 200
    records = [record(n) for n in range(far)] + [record(5, description="again")]
    result = todo("import", write(tmp_path, records))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[1:] == [f"record {far + 1}: uid {uid(5)} repeats an earlier record"]
    assert json.loads(todo("export").stdout) == []


@pytest.mark.parametrize("gap", [5, CHUNK_SIZE + 10], ids=["same chunk", "chunks apart"])
def test_skip_keeps_the_first_of_repeated_uids_and_replace_the_last(todo, tmp_path, gap) -> None:
    records = [record(0, description="first")] + [record(n) for n in range(1, gap)] + [
        record(0, description="last")]
    path = write(tmp_path, records)
    result = todo("import", path, "--on-conflict", "skip")
    assert result.stdout == f"Imported {gap} tasks; left out 1 already there (same uid).\n"
    assert json.loads(todo("export").stdout)[0]["description"] == "first"

    todo("delete", *[str(t["id"]) for t in json.loads(todo("export").stdout)])
    result = todo("import", path, "--on-conflict", "replace")
    assert result.stdout == f"Imported {gap} tasks; replaced 1.\n"
    tasks = json.loads(todo("export").stdout)
    assert len(tasks) == gap and tasks[0]["description"] == "last"


def test_conflicts_are_found_with_one_query_per_chunk_not_per_record(todo_url, engine, tmp_path) -> None:
    n = 2 * CHUNK_SIZE + 500
    path = write(tmp_path, [record(i) for i in range(n)])
    statements: list[str] = []
    with connect(parse(todo_url)) as db:
        if engine == "sqlite":
            db.conn.set_trace_callback(statements.append)  # every statement SQLite runs
        else:
            execute = db.conn.execute

            def seen(query, params=None, **kwargs):  # every statement sent through execute
                statements.append(str(query))
                return execute(query, params, **kwargs)

            db.conn.execute = seen
        tasks = TaskList(db)
        for policy in ("fail", "skip"):  # the second run finds every record a conflict
            with open(path, encoding="utf-8") as source:
                tasks.import_tasks(json_records(source), ImportPolicy(on_conflict=policy))
    lookups = [s for s in statements if "json_each" in s or "json_array_elements_text" in s]
    assert len(lookups) == 2 * 3  # three chunks, twice


# --- bad records


def three_bad_among_1000() -> list:
    records: list = [record(n) for n in range(1000)]
    records[16] = record(16, description="   ")
    records[437] = record(437, priority="urgent")
    records[900] = "not a task"
    return records


def test_skip_invalid_imports_997_of_1000_and_names_the_3(todo, todo_json, tmp_path) -> None:
    result = todo("import", write(tmp_path, three_bad_among_1000()), "--skip-invalid")
    reasons = ["record 17: description must not be blank",
               "record 438: priority must be one of high, medium, low, not 'urgent'",
               "record 901: expected a task object"]
    assert result.exit_code == 0
    assert result.stderr == "".join(f"Skipped {reason}\n" for reason in reasons)
    assert result.stdout == f"Imported 997 tasks; skipped 3 ({'; '.join(reasons)}).\n"
    tasks = json.loads(todo("export").stdout)
    assert len(tasks) == 997
    assert {t["uid"] for t in tasks} == {uid(n) for n in range(1000)} - {uid(16), uid(437), uid(900)}


def test_without_skip_invalid_nothing_is_imported_and_every_bad_record_is_named(todo, tmp_path) -> None:
    todo("add", "existing")
    result = todo("import", write(tmp_path, three_bad_among_1000()))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "Error: 3 bad records; nothing was imported (--skip-invalid imports the valid ones)\n"
        "record 17: description must not be blank\n"
        "record 438: priority must be one of high, medium, low, not 'urgent'\n"
        "record 901: expected a task object\n")
    assert [t["description"] for t in json.loads(todo("export").stdout)] == ["existing"]


def test_the_first_20_bad_records_are_named_then_a_count(todo, tmp_path) -> None:
    records = [record(n, priority="someday") if n % 2 else record(n) for n in range(60)]
    result = todo("import", write(tmp_path, records))
    lines = result.stderr.splitlines()
    assert result.exit_code == 2
    assert lines[0].startswith("Error: 30 bad records; nothing was imported")
    assert lines[1:21] == [f"record {n + 1}: priority must be one of high, medium, low, not 'someday'"
                           for n in range(1, 40, 2)]
    assert lines[21:] == ["... and 10 more bad records"]


def test_bad_csv_lines_are_named_and_skipped_too(todo, todo_json, tmp_path) -> None:
    path = tmp_path / "tasks.csv"
    path.write_text("description,priority,completed\nok,low,false\n,low,false\nshort\nfine,,maybe\n"
                    "good,high,true\n")
    result = todo("import", str(path))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[1:] == [
        "line 3: description must not be blank", "line 4: expected 3 fields, found 1",
        "line 5: completed must be true or false, not 'maybe'"]
    assert todo_json("list", "--all") == []
    result = todo("import", str(path), "--skip-invalid")
    assert result.exit_code == 0
    assert result.stdout.startswith("Imported 2 tasks; skipped 3 (line 3: ")
    assert [t["description"] for t in todo_json("list", "--all")] == ["good", "ok"]


def test_a_file_broken_mid_way_imports_nothing_even_with_skip_invalid(todo, tmp_path) -> None:
    path = tmp_path / "broken.json"
    path.write_text(json.dumps([record(0), record(1, priority="x")])[:-1] + ', {"description": ')
    result = todo("import", str(path), "--skip-invalid")
    assert result.exit_code == 2
    assert result.stderr == (
        "Skipped record 2: priority must be one of high, medium, low, not 'x'\n"
        "Error: 1 bad record; nothing was imported (the file cannot be read past record 3)\n"
        "record 3: malformed JSON (Expecting value)\n")
    assert json.loads(todo("export").stdout) == []


def test_bad_records_and_conflicts_are_named_in_one_run(todo, tmp_path) -> None:
    todo("import", write(tmp_path, [record(0)]))
    result = todo("import", write(tmp_path, [record(0), record(1, due="tomorrow")], "b.json"))
    assert result.exit_code == 2  # bad input is the thing to fix first
    assert result.stderr == (
        "Error: 1 bad record and 1 conflict; nothing was imported\n"
        "record 2: due date must be YYYY-MM-DD, not 'tomorrow'\n"
        f"record 1: task 1 already has uid {uid(0)}\n")


def test_skip_invalid_and_skip_conflicts_together(todo, tmp_path) -> None:
    todo("import", write(tmp_path, [record(0)]))
    result = todo("import", write(tmp_path, [record(0), record(1, tags=["a b"]), record(2)], "b.json"),
                  "--skip-invalid", "--on-conflict", "skip")
    assert result.exit_code == 0
    assert result.stdout == ("Imported 1 task; left out 1 already there (same uid); skipped 1 "
                             "(record 2: tag 'a b' must be 1-50 letters, digits, '-' or '_' "
                             "(no spaces or other signs)).\n")


def test_an_unknown_policy_is_a_usage_error(todo, tmp_path) -> None:
    result = todo("import", write(tmp_path, [record(0)]), "--on-conflict", "merge")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: Invalid value for '--on-conflict': 'merge' is not one of")


def test_csv_export_reimported_with_skip_changes_nothing(todo, tmp_path) -> None:
    todo("add", "a", "--tag", "x")
    todo("add", "b")
    path = tmp_path / "tasks.csv"
    path.write_text(todo("export", "--format", "csv").stdout)
    before = todo("export").stdout
    assert todo("import", str(path)).exit_code == 1
    result = todo("import", str(path), "--on-conflict", "skip")
    assert result.stdout == "Imported 0 tasks; left out 2 already there (same uid).\n"
    assert todo("export").stdout == before


def test_the_readers_hand_over_csv_rows_too(tmp_path) -> None:
    """csv_records is what the import reads CSV with: one dict a row, named by line."""
    path = tmp_path / "t.csv"
    path.write_text("description\nx\n")
    with open(path) as source:
        (item,) = list(csv_records(source, ["description"]))
    assert (item.where, item.value) == ("line 2", {"description": "x"})
