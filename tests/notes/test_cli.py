"""flask init-db, export and import."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest
from bson import ObjectId
from pymongo.errors import BulkWriteError, ServerSelectionTimeoutError, WriteConcernError

from minidb.errors import InvalidInput
from minidb.notes.cli import import_notes
from minidb.notes.db import describe, get_database
from minidb.notes.jsonl import MAX_LINE_BYTES
from minidb.notes.repository import NoteRepository
from tests.notes.helpers import REPO, closed_port_uri, export_line


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




DEEP = "[" * 100_000 + "]" * 100_000
BAD_LINES: dict[str, bytes | str] = {
    "not json": "{oops",
    "not an object": "[1, 2]",
    "invalid title": export_line(title={"$gt": ""}),
    "unknown field": export_line(extra=1),
    "a field twice": export_line().replace('"title": "t"', '"title": "t", "title": "u"'),
    "id not an ObjectId": export_line(_id="abc"),
    "$oid not 24 hex digits": export_line(_id={"$oid": "not hex"}),
    "$oid not a string": export_line(_id={"$oid": 5}),
    "date not a date": export_line(created_at="yesterday"),
    "date before 1970": export_line(created_at={"$date": "1969-12-31T23:59:59.999Z"}),
    "date after 9999": export_line(created_at={"$date": "10000-01-01T00:00:00Z"}),
    "date before year 1 in UTC": export_line(created_at={"$date": "0001-01-01T00:00:00+14:00"}),
    "date after 9999 in UTC": export_line(updated_at={"$date": "9999-12-31T23:00:00-05:00"}),
    "date without a time zone": export_line(created_at={"$date": "2025-01-02T03:04:05"}),
    "date beyond int64 ms": export_line(created_at={"$date": {"$numberLong": "99999999999999999999"}}),
    "date beyond 9999 in ms": export_line(created_at={"$date": 10**15}),
    "date in microseconds": export_line(created_at={"$date": "2025-01-02T03:04:05.678901Z"}),
    "bad version": export_line(version="1"),
    "version above int64": export_line(version=2**63),
    "version $numberLong above int64": export_line(version={"$numberLong": "9223372036854775808"}),
    "version too close to int64 to take more writes": export_line(version=2**62 + 1),
    "a 5000-digit number": export_line().replace('"version": 1', '"version": ' + "9" * 5000),
    "NaN": export_line().replace('"version": 1', '"version": NaN'),
    "nested 100,000 deep": export_line().replace('"tags": []', '"tags": ' + DEEP),
    "lone surrogate in the title": export_line(title="\ud800"),
    "lone surrogate in a field name": export_line(**{"\udc00": 1}),
    "Latin-1": export_line(title="café").encode("utf-8").replace(b"\\u00e9", b"\xe9"),
    "binary": b"\x00\xff\xfe\x80 not text",
}


@pytest.mark.parametrize("problem", BAD_LINES)
def test_a_bad_line_fails_naming_it_and_nothing_is_written(app, runner, tmp_path, problem):
    bad = BAD_LINES[problem]
    bad = bad.encode("utf-8") if isinstance(bad, str) else bad
    path = tmp_path / "in.jsonl"
    good = export_line().encode()
    path.write_bytes(b"\n".join([good, export_line().encode(), bad, export_line().encode()]))
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 2, (result.output, result.exception)
    error, named = result.stderr.splitlines()  # the Error: line, then the bad line named
    assert error.startswith(f"Error: {path}: 1 bad record; nothing was imported"), error
    assert named.startswith("line 3: "), named
    assert len(named) < 300, named  # no value is quoted whole
    assert get_database(app).database.notes.count_documents({}) == 0


@pytest.mark.parametrize("encoding", ["utf-16", "latin-1"])
def test_a_file_that_is_not_utf8_fails_at_its_first_line(runner, tmp_path, encoding):
    path = tmp_path / "in.jsonl"
    path.write_bytes((export_line(title="é") + "\n").replace("\\u00e9", "é").encode(encoding))
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 2
    assert f"{path}: line 1: not UTF-8 text" in result.output


def test_a_utf8_byte_order_mark_is_skipped(app, runner, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + export_line().encode() + b"\n")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    assert get_database(app).database.notes.count_documents({}) == 1


def test_mongoexport_canonical_numbers_are_read(app, runner, tmp_path):
    line = export_line(created_at={"$date": {"$numberLong": "1735787045678"}}, version={"$numberLong": "7"})
    path = tmp_path / "in.jsonl"
    path.write_text(line + "\n")
    assert runner.invoke(args=["import", str(path)]).exit_code == 0
    [doc] = get_database(app).database.notes.find()
    assert doc["created_at"] == datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    assert doc["version"] == 7


class EndlessLine(io.RawIOBase):
    """A source whose first line never ends: reading it whole would never return."""

    given = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        buffer[:] = b"x" * len(buffer)
        self.given += len(buffer)
        return len(buffer)


def test_an_overlong_line_is_refused_after_reading_the_most_a_note_takes(app):
    endless = EndlessLine()
    repository = NoteRepository(get_database(app).database.notes, timeout=None)
    with pytest.raises(InvalidInput, match=f"line 1: longer than {MAX_LINE_BYTES} bytes"):
        import_notes(repository, io.BufferedReader(endless))
    assert endless.given <= MAX_LINE_BYTES + 1 + io.DEFAULT_BUFFER_SIZE


def test_hostile_lines_through_the_real_cli_are_exit_2_without_a_traceback(mongodb_uri):
    for problem in ("nested 100,000 deep", "$oid not 24 hex digits", "lone surrogate in a field name"):
        result = flask_cli(mongodb_uri, "import", "-", stdin=str(BAD_LINES[problem]) + "\n")
        assert result.returncode == 2, (problem, result.stderr)
        error, named = result.stderr.splitlines()
        assert error.startswith("Error: <stdin>: 1 bad record; nothing was imported"), error
        assert named.startswith("line 1: "), named


def test_duplicate_ids_in_the_file_or_database_are_conflicts(app, runner, make_note, tmp_path):
    existing = make_note("already here")
    collection = get_database(app).database.notes
    path = tmp_path / "in.jsonl"
    dup = str(ObjectId())
    path.write_text("\n".join([export_line(_id={"$oid": dup}), export_line(_id={"$oid": dup})]))
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1 and "line 2" in result.output and "repeats line 1" in result.output

    path.write_text("\n".join([export_line(), export_line(_id={"$oid": existing["id"]})]))
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1 and "line 2" in result.output and "already exists" in result.output
    assert collection.count_documents({}) == 1


def flask_cli(mongodb_uri: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """The real entry point: `flask --app minidb.notes ...` in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "minidb.notes", *args],
        cwd=REPO,
        env={"MONGODB_URI": mongodb_uri, "PATH": "/usr/bin:/bin"},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_commands_run_through_the_flask_cli(mongodb_uri):
    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return flask_cli(mongodb_uri, *args, stdin=stdin)

    assert run("init-db").returncode == 0
    line = export_line(title="from the CLI")
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
    lines = "".join(export_line() + "\n" for _ in range(7))
    with pytest.raises(BulkWriteError):
        import_notes(InterloperRepository(collection, timeout=None), io.BytesIO(lines.encode()))
    assert [d["title"] for d in collection.find()] == ["someone else's"]


@pytest.mark.parametrize("args", [["export"], ["init-db"], ["import", "-"]], ids=lambda a: a[0])
def test_database_down_is_one_error_line_and_exit_1_within_5_seconds(args):
    started = time.monotonic()
    result = flask_cli(closed_port_uri(), *args, stdin=export_line() + "\n")
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("Error: cannot reach the notes database: "), line
    assert "refused" in line and "Topology" not in line
    assert elapsed < 5, f"took {elapsed:.1f} s"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import"], "Error: Missing argument 'FILE'"),
        (["import", "/no/such/file"], "Error: Invalid value for 'FILE': "),
        (["export", "--bogus"], "Error: No such option '--bogus'"),
    ],
)
def test_usage_errors_are_one_error_line_and_exit_2(mongodb_uri, args, message):
    result = flask_cli(mongodb_uri, *args)
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(message), line
    assert line.endswith(f" {args[0]} --help')"), line


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (
            ServerSelectionTimeoutError(
                "db1:27017: [Errno 111] Connection refused (configured timeouts: socketTimeoutMS: "
                "20000.0ms, connectTimeoutMS: 2000.0ms), Timeout: 2.0s, Topology Description: "
                "<TopologyDescription id: 1, topology_type: Unknown, servers: [...]>"
            ),
            "db1:27017: [Errno 111] Connection refused",
        ),
        (
            BulkWriteError(
                {"writeErrors": [{"index": 0, "code": 11000, "errmsg": "E11000 duplicate key",
                                  "op": {"title": "t", "content": "x" * 100_000}}]}
            ),
            "E11000 duplicate key",
        ),
        (
            WriteConcernError("the primary stepped down", 189, {"code": 189, "errmsg": "x" * 1000}),
            "the primary stepped down",
        ),
    ],
    ids=["topology dump", "a note in the error", "full error"],
)
def test_database_errors_are_described_in_one_short_line(error, said):
    assert describe(error) == said


@pytest.mark.parametrize(
    "uri", ["bogus://notes:secret@db1/notesdb", "mongodb://notes:secret@db1:port/notesdb", "mongodb://"]
)
def test_an_unusable_mongodb_uri_is_one_error_line_and_exit_2(uri):
    result = flask_cli(uri, "export")
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("Error: MONGODB_URI is not a usable MongoDB URI: "), line
    assert "secret" not in line
