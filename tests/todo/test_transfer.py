"""export and import: streamed, exact, all-or-nothing."""

from __future__ import annotations

import json

import pytest

from minidb.errors import plural
from tests.helpers import invoke


def refused(*lines: str) -> str:
    """What stderr says when bad records (and nothing else) refuse an import."""
    return (f"Error: {plural(len(lines), 'bad record')}; nothing was imported "
            "(--skip-invalid imports the valid ones)\n" + "".join(f"{line}\n" for line in lines))


def unreadable(line: str) -> str:
    """What stderr says when the reading stops at a record after others were read."""
    where = line.partition(": ")[0]
    return (f"Error: 1 bad record; nothing was imported (the file cannot be read past {where})\n"
            f"{line}\n")


def seed(todo) -> None:
    todo("add", "Buy milk", "--due", "2026-12-01", "--priority", "high", "--tag", "home")
    todo("add", "'); DROP TABLE tasks;-- %s :name 🧪, \"quoted\"\nsecond line", "--tag", "b",
         "--tag", "a")
    todo("add", "plain")
    todo("done", "2")


def without_ids(tasks: list[dict]) -> list[dict]:
    return [{k: v for k, v in t.items() if k != "id"} for t in tasks]


def test_export_json_is_every_task_as_list_json_shows_it(todo, todo_json) -> None:
    seed(todo)
    result = todo("export")
    assert result.exit_code == 0 and result.stderr == ""
    assert json.loads(result.stdout) == todo_json("list", "--all") == todo_json("list", "--all")
    assert [t["id"] for t in json.loads(result.stdout)] == [1, 2, 3]


def test_export_of_an_empty_database_is_an_empty_array(todo) -> None:
    assert todo("export").stdout == "[]\n"
    assert todo("export", "--format", "csv").stdout == (
        "id,uid,description,completed,priority,due,tags,created_at,completed_at\n")


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_import_export_differs_only_in_ids(todo, new_database, tmp_path, fmt) -> None:
    seed(todo)
    exported = todo("export", "--format", fmt).stdout
    path = tmp_path / f"tasks.{fmt}"
    path.write_text(exported, encoding="utf-8")
    target = new_database("todo")
    todo("add", "already there", db=target)
    result = todo("import", str(path), db=target)
    assert (result.exit_code, result.stdout, result.stderr) == (0, "Imported 3 tasks.\n", "")
    again = json.loads(todo("export", db=target).stdout)
    assert [t["id"] for t in again] == [1, 2, 3, 4]  # new ids, after the existing task
    assert without_ids(again[1:]) == without_ids(json.loads(todo("export").stdout))


def test_import_reads_stdin_and_sniffs_the_format(todo, todo_json) -> None:
    csv_text = "description,priority,tags\nfrom stdin,low,x y\n"
    result = todo("import", "-", input=csv_text)
    assert (result.exit_code, result.stdout) == (0, "Imported 1 task.\n")
    (task,) = todo_json("list")
    assert (task["description"], task["priority"], task["tags"]) == ("from stdin", "low", ["x", "y"])
    result = todo("import", "-", input='[{"description": "json from stdin"}]')
    assert (result.exit_code, result.stdout) == (0, "Imported 1 task.\n")


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ('[{"description": "ok"}, {"description": "  "}]', "t.json",
         refused("record 2: description must not be blank")),
        ('[{"description": "ok"}, {"description": "x", "priority": "urgent"}]', "t.json",
         refused("record 2: priority must be one of high, medium, low, not 'urgent'")),
        ('[{"description": "ok"}, {"description": "x", "due": "2026-13-01"}]', "t.json",
         refused("record 2: '2026-13-01' is not a real date")),
        ('[{"description": "ok"}, {"description": "x", "colour": "red"}]', "t.json",
         refused("record 2: unknown field(s) colour")),
        ('[{"description": "ok"}, {"description": "x", "created_at": "2026-01-01T10:00:00"}]',
         "t.json", refused("record 2: created_at: '2026-01-01T10:00:00' has no time zone (add Z for UTC)")),
        ('[{"description": "ok"}, {"description": "x"', "t.json",
         unreadable("record 2: malformed JSON (Expecting ',' delimiter)")),
        ('[{"description": "ok"}, 7]', "t.json", refused("record 2: expected a task object")),
        ('{"description": "ok"}', "t.json", "Error: not a JSON array: the file must start with '['\n"),
        ("description,completed\nok,false\nbad,maybe\n", "t.csv",
         refused("line 3: completed must be true or false, not 'maybe'")),
        ("description,colour\nok,red\n", "t.csv",
         "Error: line 1: CSV header must be description,id,uid,completed,priority,due,tags,"
         "created_at,completed_at; unknown colour\n"),
    ],
)
def test_a_bad_record_imports_nothing_and_exits_2_naming_it(todo, todo_json, tmp_path,
                                                             content, name, message) -> None:
    todo("add", "existing")
    path = tmp_path / name
    path.write_text(content)
    result = todo("import", str(path))
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message)
    assert [t["description"] for t in todo_json("list", "--all")] == ["existing"]


def test_a_missing_import_file_is_a_usage_error(todo, tmp_path) -> None:
    result = todo("import", str(tmp_path / "missing.json"))
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: Invalid value for FILE: cannot read ")


def test_a_large_import_is_one_transaction_and_streams(todo, todo_json, tmp_path) -> None:
    path = tmp_path / "many.json"
    with path.open("w") as out:
        out.write("[\n" + ",\n".join(
            json.dumps({"description": f"task {i}", "tags": [f"t{i % 7}"]}) for i in range(5000)
        ) + "\n]")
    result = todo("import", str(path))
    assert (result.exit_code, result.stdout) == (0, "Imported 5000 tasks.\n")
    assert len(todo_json("list", "--tag", "t3")) == len(range(3, 5000, 7))


@pytest.mark.parametrize(("source", "target"), [("sqlite", "postgresql"), ("postgresql", "sqlite")])
@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_moving_between_engines_keeps_every_field(databases, tmp_path, source, target, fmt) -> None:
    def run(url: str, *args: str):
        result = invoke("todo", "--db", url, *args)
        assert result.exit_code == 0, result.stderr
        return result.stdout

    source_url = databases.new(source, "todo")
    target_url = databases.new(target, "todo")
    run(source_url, "add", "Buy milk", "--due", "2026-12-01", "--priority", "high", "--tag", "home")
    run(source_url, "add", "'); DROP TABLE tasks;-- %s :name 🧪", "--tag", "b", "--tag", "a")
    run(source_url, "done", "2")
    path = tmp_path / f"tasks.{fmt}"
    path.write_text(run(source_url, "export", "--format", fmt), encoding="utf-8")
    assert run(target_url, "import", str(path)) == "Imported 2 tasks.\n"
    assert run(target_url, "export") == run(source_url, "export")  # ids too: both start at 1


# --- hostile files: exit 2 naming the record, never "unexpected", nothing imported

BEYOND_THE_RECORD_LIMIT = 3 << 20  # characters; the limit is 1 MiB


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ("[]".encode("utf-16"), "t.json",
         "Error: {path} is UTF-16 or UTF-32 text (it starts with a byte-order mark); minidb reads "
         "UTF-8: convert it first, e.g. with iconv -t UTF-8\n"),
        (b'[{"description": "ok"}, {"description": "caf\xe9"}]', "t.json",
         refused("record 2: description is not UTF-8 text (byte 0xE9 at character 4)")),
        (b"description\nok\ncaf\xe9\n", "t.csv",
         refused("line 3: description is not UTF-8 text (byte 0xE9 at character 4)")),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20, "t.csv",
         "Error: line 1: the CSV header is not UTF-8 text (byte 0x89 at character 1)\n"),
        (b"[" * 100_000, "t.json", "Error: record 1: nested too deeply\n"),
        (b'[{"description": "ok"}, {"description": "\\ud800"}]', "t.json",
         refused("record 2: description contains a lone surrogate (U+D800 at character 1), "
                 "which is not text")),
        (b'[{"description": "a\\u0000b"}]', "t.json",
         refused("record 1: description contains a NUL character (character 2), which cannot be stored")),
        (b"description\na\x00b\n", "t.csv",
         refused("line 2: description contains a NUL character (character 2), which cannot be stored")),
        (b'[{"description": "x", "tags": ["ok", "a\\u0000"]}]', "t.json",
         refused("record 1: tag contains a NUL character (character 2), which cannot be stored")),
        (b'[{"description": "x", "completed": ' + b"1" * 5000 + b"}]", "t.json",
         "Error: record 1: a number has more than 4300 digits\n"),
        (b'[{"description": "x", "created_at": "0001-01-01T00:00:00+14:00"}]', "t.json",
         refused("record 1: created_at: '0001-01-01T00:00:00+14:00' is out of range: years 1-9999 in UTC")),
        (b'[{"description": "x", "completed": true, "completed_at": "9999-12-31T23:59:59-00:01"}]', "t.json",
         refused("record 1: completed_at: '9999-12-31T23:59:59-00:01' is out of range: "
                 "years 1-9999 in UTC")),
        (b'[{"description": "ok"}, {"description": "' + b"x" * BEYOND_THE_RECORD_LIMIT + b'"}]', "t.json",
         unreadable("record 2: larger than 1 MiB, the most a record may be")),
        # Text quoted from the file cannot break the one-line rule.
        (b'[{"description": "x", "bad\\nkey\\u0000": 1}]', "t.json",
         refused("record 1: unknown field(s) bad\\nkey\\x00")),
    ],
    ids=["utf-16", "latin-1 json", "latin-1 csv", "binary", "deep", "surrogate", "nul json", "nul csv",
         "nul tag", "long number", "year 0", "year 10000", "huge record", "line break in a key"],
)
def test_a_hostile_file_imports_nothing_and_exits_2_naming_the_record(todo, todo_json, tmp_path, content,
                                                                     name, message) -> None:
    todo("add", "existing")
    path = tmp_path / name
    path.write_bytes(content)
    result = todo("import", str(path))
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message.format(path=path))
    assert [t["description"] for t in todo_json("list", "--all")] == ["existing"]


# --- what is stored reads back exactly, on both engines


def far_from_utc(url: str, zone: str) -> None:
    """Make PostgreSQL sessions on this database default to ``zone`` (SQLite has no zones)."""
    if url.startswith("postgresql"):
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"ALTER DATABASE {conn.info.dbname} SET timezone = '{zone}'")


EDGES_OF_TIME = [
    {"description": "year 1", "completed": True, "due": "0001-01-01",
     "created_at": "0001-01-01T00:00:00Z", "completed_at": "0001-01-01T00:00:00.000001Z"},
    {"description": "year 999", "completed": False, "due": "0999-12-31",
     "created_at": "0999-01-01T00:00:00Z"},
    {"description": "year 9999", "completed": True, "due": "9999-12-31",
     "created_at": "9999-12-31T23:59:59.999999Z", "completed_at": "9999-12-31T23:59:59Z"},
]


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Tokyo"])
def test_timestamps_and_dates_from_year_1_to_9999_read_back_exactly(todo, todo_url, todo_json, zone) -> None:
    far_from_utc(todo_url, zone)
    result = todo("import", "-", input=json.dumps(EDGES_OF_TIME))
    assert (result.exit_code, result.stderr) == (0, "")
    exported = json.loads(todo("export").stdout)
    assert [{k: t[k] for k in ("description", "due", "created_at", "completed_at")} for t in exported] == [
        {"description": r["description"], "due": r["due"], "created_at": r["created_at"],
         "completed_at": r.get("completed_at")} for r in EDGES_OF_TIME]
    assert [t["description"] for t in todo_json("list", "--all")] == ["year 1", "year 999", "year 9999"]
    assert todo("show", "2").exit_code == 0


def test_a_sqlite_database_with_a_3_digit_year_written_by_an_older_minidb_reads_again(databases) -> None:
    import sqlite3

    url = databases.new("sqlite", "todo")
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        conn.execute("INSERT INTO tasks (uid, description, search_key, completed, created_at) "
                     "VALUES ('0b5c9d3e-0000-4000-8000-000000000001', 'old', 'old', 0, "
                     "'999-01-01T00:00:00.000000Z')")
    result = invoke("todo", "--db", url, "export")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)[0]["created_at"] == "0999-01-01T00:00:00Z"
