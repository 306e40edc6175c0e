"""flask init-db, export and import."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from bson import ObjectId
from pymongo.errors import BulkWriteError

from minidb.imports import ImportPolicy
from minidb.notes import get_database
from minidb.notes.cli import _candidates, _validate
from minidb.notes.importing import import_notes
from minidb.notes.repository import NoteRepository
from tests.notes.helpers import REPO


def test_init_db_creates_the_indexes_idempotently(app, runner):
    collection = get_database(app).database.notes
    collection.drop_indexes()
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
        assert "created_at_-1__id_-1" in result.output
    assert set(collection.index_information()) == {"_id_", "created_at_-1__id_-1", "tags_1"}


def test_export_is_extended_json_lines(runner, make_note):
    first = make_note("first", tags=["a"])
    second = make_note("second", content="x\ny")
    result = runner.invoke(args=["export"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 2
    records = [json.loads(line) for line in lines]
    assert [r["_id"] for r in records] == [{"$oid": first["id"]}, {"$oid": second["id"]}]
    assert records[0]["created_at"] == {"$date": first["created_at"]}
    assert records[1]["content"] == "x\ny"
    assert records[0]["version"] == 1


def test_export_of_nothing_is_empty(runner):
    result = runner.invoke(args=["export"])
    assert result.exit_code == 0
    assert result.output == ""


def test_export_import_round_trip_is_exact(app, runner, client, make_note, tmp_path):
    for i in range(7):
        make_note(f"note {i}", content="ü" * i, tags=[f"t{i}"])
    client.patch(f"/notes/{make_note('edited')['id']}", json={"content": "v2"})
    collection = get_database(app).database.notes
    before = list(collection.find().sort("_id"))
    exported = runner.invoke(args=["export"]).output
    path = tmp_path / "notes.jsonl"
    path.write_text(exported, encoding="utf-8")

    collection.delete_many({})
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported 8 notes." in result.output
    assert list(collection.find().sort("_id")) == before
    assert runner.invoke(args=["export"]).output == exported


def test_import_from_stdin_in_several_batches(app, runner, monkeypatch):
    monkeypatch.setattr("minidb.notes.cli.BATCH_SIZE", 3)
    when = datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    ids = [ObjectId() for _ in range(10)]
    lines = [
        json.dumps(
            {
                "_id": {"$oid": str(i)},
                "title": f"n{n}",
                "content": "",
                "tags": [],
                "created_at": {"$date": "2025-01-02T03:04:05.678Z"},
                "updated_at": {"$date": "2025-01-02T03:04:05.678Z"},
                "version": 3,
            }
        )
        for n, i in enumerate(ids)
    ]
    result = runner.invoke(args=["import", "-"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    docs = list(get_database(app).database.notes.find().sort("_id"))
    assert [d["_id"] for d in docs] == ids
    assert all(d["created_at"] == when and d["version"] == 3 for d in docs)


def good_line(**overrides) -> str:
    record = {
        "_id": {"$oid": str(ObjectId())},
        "title": "t",
        "content": "",
        "tags": [],
        "created_at": {"$date": "2025-01-02T03:04:05.678Z"},
        "updated_at": {"$date": "2025-01-02T03:04:05.678Z"},
        "version": 1,
    }
    record.update(overrides)
    return json.dumps(record)


BAD_LINES = {
    "not json": "{oops",
    "not an object": "[1, 2]",
    "invalid title": good_line(title={"$gt": ""}),
    "unknown field": good_line(extra=1),
    "id not an ObjectId": good_line(_id="abc"),
    "date not a date": good_line(created_at="yesterday"),
    "date before 1970": good_line(created_at={"$date": "1969-12-31T23:59:59.999Z"}),
    "bad version": good_line(version="1"),
}


def test_a_bad_line_fails_naming_it_and_nothing_is_written(app, runner, tmp_path):
    collection = get_database(app).database.notes
    for problem, bad in BAD_LINES.items():
        path = tmp_path / "in.jsonl"
        path.write_text("\n".join([good_line(), good_line(), bad, good_line()]) + "\n")
        result = runner.invoke(args=["import", str(path)])
        assert result.exit_code == 2, (problem, result.output)
        assert "line 3" in result.output, (problem, result.output)
        assert "nothing was imported" in result.output
        assert collection.count_documents({}) == 0, problem


def test_duplicate_ids_in_the_file_or_database_are_conflicts(app, runner, make_note, tmp_path):
    existing = make_note("already here")
    collection = get_database(app).database.notes
    path = tmp_path / "in.jsonl"
    dup = str(ObjectId())
    path.write_text("\n".join([good_line(_id={"$oid": dup}), good_line(_id={"$oid": dup})]))
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1 and "line 2" in result.output and "repeats line 1" in result.output

    path.write_text("\n".join([good_line(), good_line(_id={"$oid": existing["id"]})]))
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1 and "line 2" in result.output and "already exists" in result.output
    assert collection.count_documents({}) == 1


def test_commands_run_through_the_flask_cli(mongodb_uri, tmp_path):
    """The real entry point: `flask --app minidb.notes ...` in a child process."""
    env = {"MONGODB_URI": mongodb_uri, "PATH": "/usr/bin:/bin"}
    flask = [sys.executable, "-m", "flask", "--app", "minidb.notes"]

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*flask, *args],
            cwd=REPO,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    assert run("init-db").returncode == 0
    line = good_line(title="from the CLI")
    imported = run("import", "-", stdin=line + "\n")
    assert imported.returncode == 0, imported.stderr
    exported = run("export")
    assert exported.returncode == 0
    assert json.loads(exported.stdout) == json.loads(line)
    bad = run("import", "-", stdin="nope\n")
    assert bad.returncode == 2
    assert bad.stderr.startswith("Error: ") and "line 1" in bad.stderr


class InterloperRepository(NoteRepository):
    """Real writes, with another client inserting one of the file's ids just
    before the second batch: the race that validating first cannot exclude."""

    def insert_many(self, docs):
        if not getattr(self, "raced", False):
            self.raced = True
        else:
            self.collection.insert_one({**docs[1], "title": "someone else's"})
        super().insert_many(docs)


def test_a_failed_write_removes_what_the_import_wrote_and_nothing_else(app, monkeypatch):
    monkeypatch.setattr("minidb.notes.cli.BATCH_SIZE", 3)
    collection = get_database(app).database.notes
    lines = "".join(good_line() + "\n" for _ in range(7))
    with pytest.raises(BulkWriteError):
        import_notes(InterloperRepository(collection, timeout=None), _candidates(io.StringIO(lines)),
                     _validate, ImportPolicy(), batch_size=3)
    assert [d["title"] for d in collection.find()] == ["someone else's"]
