"""export and import (SPEC §2-3): streamed, exact, all-or-nothing."""

from __future__ import annotations

import json

import pytest


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
        "id,description,completed,priority,due,tags,created_at,completed_at\n")


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
         "Error: record 2: description must not be blank\n"),
        ('[{"description": "ok"}, {"description": "x", "priority": "urgent"}]', "t.json",
         "Error: record 2: priority must be one of high, medium, low, not 'urgent'\n"),
        ('[{"description": "ok"}, {"description": "x", "due": "2026-13-01"}]', "t.json",
         "Error: record 2: '2026-13-01' is not a real date\n"),
        ('[{"description": "ok"}, {"description": "x", "colour": "red"}]', "t.json",
         "Error: record 2: unknown field(s) colour\n"),
        ('[{"description": "ok"}, {"description": "x", "created_at": "2026-01-01T10:00:00"}]',
         "t.json", "Error: record 2: created_at: '2026-01-01T10:00:00' has no time zone (add Z for UTC)\n"),
        ('[{"description": "ok"}, {"description": "x"', "t.json",
         "Error: record 2: malformed JSON (Expecting ',' delimiter)\n"),
        ('[{"description": "ok"}, 7]', "t.json", "Error: record 2: expected a task object\n"),
        ('{"description": "ok"}', "t.json", "Error: not a JSON array: the file must start with '['\n"),
        ("description,completed\nok,false\nbad,maybe\n", "t.csv",
         "Error: line 3: completed must be true or false, not 'maybe'\n"),
        ("description,colour\nok,red\n", "t.csv",
         "Error: line 1: CSV header must be description,id,completed,priority,due,tags,created_at,"
         "completed_at; unknown colour\n"),
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
    from click.testing import CliRunner

    from minidb.todo.cli import cli

    def run(url: str, *args: str):
        result = CliRunner().invoke(cli, ["--db", url, *args])
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
