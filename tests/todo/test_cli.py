"""The to-do CLI, command by command, with the conventions both CLIs share. Every test
runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import re
import uuid

import pytest

from tests.helpers import invoke

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$")


def task_uid_of(todo_json, task_id: int) -> str:
    return todo_json("show", str(task_id))["uid"]


def test_add_prints_the_new_id_and_description(todo) -> None:
    result = todo("add", "Buy", "milk")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "Added task 1: Buy milk\n", "")


def test_add_json_is_the_task_object(todo_json) -> None:
    task = todo_json("add", "Buy milk", "--due", "2026-12-01", "--priority", "HIGH",
                     "--tag", "Home", "--tag", "errands", "--tag", "home")
    assert TIMESTAMP.match(task.pop("created_at"))
    assert str(uuid.UUID(task.pop("uid"))) == task_uid_of(todo_json, 1)
    assert task == {"id": 1, "description": "Buy milk", "completed": False, "priority": "high",
                    "due": "2026-12-01", "tags": ["errands", "home"], "completed_at": None}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["   "], "Error: description must not be blank\n"),
        (["x" * 1001], "Error: description is 1001 characters; the limit is 1000\n"),
        (["x", "--due", "2026-02-30"], "Error: '2026-02-30' is not a real date\n"),
        (["x", "--due", "next week"], "Error: due date must be YYYY-MM-DD, today, tomorrow, a weekday "
                                      "(mon or monday ... sun or sunday: the next one after today), "
                                      "+Nd or +Nw (N days or weeks from today); not 'next week'\n"),
        (["x", "--tag", "two words"], "Error: tag 'two words' must be 1-50 letters, digits, '-' or '_' "
                                      "(no spaces or other signs)\n"),
    ],
)
def test_invalid_input_exits_2_with_one_error_line_and_adds_nothing(todo, args, message) -> None:
    result = todo("add", *args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message)
    assert todo("list", "--all", "--json").stdout == "[]\n"


def test_an_invalid_priority_is_a_usage_error(todo) -> None:
    result = todo("add", "x", "--priority", "urgent")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: Invalid value for '--priority': 'urgent' is not one of")
    assert result.stderr.count("\n") == 1


def test_unknown_options_are_one_error_line_exit_2(todo) -> None:
    result = todo("list", "--bogus")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("Error: No such option '--bogus' "
                             "(see 'python -m minidb.todo list --help')\n")


def test_help_is_available_on_the_program_and_every_command(todo) -> None:
    program = todo("--help")
    assert program.exit_code == 0
    commands = ["add", "list", "show", "done", "reopen", "edit", "delete", "export", "import", "migrate"]
    for command in commands:
        assert re.search(rf"^  {command}\b", program.stdout, re.M), command
        result = todo(command, "--help")
        assert result.exit_code == 0 and result.stdout.startswith("Usage: "), command


def test_list_shows_pending_tasks_by_due_date_then_priority_then_id(todo, todo_json) -> None:
    todo("add", "undated low", "--priority", "low")
    todo("add", "later", "--due", "2026-12-24")
    todo("add", "undated high", "--priority", "high")
    todo("add", "sooner none", "--due", "2026-12-01")
    todo("add", "sooner high", "--due", "2026-12-01", "--priority", "high")
    todo("add", "undated none")
    todo("add", "undated high again", "--priority", "high")
    todo("add", "finished")
    todo("done", "8")
    assert [t["description"] for t in todo_json("list")] == [
        "sooner high", "sooner none", "later", "undated high", "undated high again",
        "undated low", "undated none",
    ]
    result = todo("list")
    assert result.stdout.splitlines()[:2] == [
        "   5 [ ] sooner high  (due 2026-12-01, high)",
        "   4 [ ] sooner none  (due 2026-12-01)",
    ]


def test_list_filters_done_all_tag_and_search(todo, todo_json) -> None:
    todo("add", "Buy MILK", "--tag", "home")
    todo("add", "Pay 100% of rent", "--tag", "home", "--tag", "money")
    todo("add", "Zoë's ÉCOLE form")
    todo("done", "1")

    def ids(*args: str) -> list[int]:
        return [t["id"] for t in todo_json("list", *args)]

    assert ids() == [2, 3]
    assert ids("--done") == [1]
    assert ids("--all") == [1, 2, 3]
    assert ids("--all", "--tag", "HOME") == [1, 2]
    assert ids("--tag", "money") == [2]
    assert ids("--all", "--search", "milk") == [1]
    assert ids("--search", "zoË'S école") == [3]
    assert ids("--search", "100%") == [2]
    assert ids("--search", "1_0") == []  # _ and % are literal, not wildcards
    assert ids("--search", "%") == [2]
    assert ids("--tag", "nothing") == []


def test_an_empty_list_is_success(todo) -> None:
    assert (todo("list").exit_code, todo("list").stdout) == (0, "No tasks.\n")
    assert todo("list", "--json").stdout == "[]\n"


def test_show_prints_one_task(todo, todo_json) -> None:
    todo("add", "Buy milk", "--tag", "home", "--due", "2026-12-01")
    assert todo_json("show", "1")["description"] == "Buy milk"
    lines = todo("show", "1").stdout.splitlines()
    assert lines[:6] == ["id          1", "description Buy milk", "status      pending",
                         "priority    -", "due         2026-12-01", "tags        home"]


def test_show_of_an_unknown_id_exits_1(todo) -> None:
    result = todo("show", "42")
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, "", "Error: no task with id 42; nothing was changed\n")


BEYOND_64_BITS = ["99999999999999999999", str(2**63), "-" + str(2**63 + 1)]


@pytest.mark.parametrize("huge", BEYOND_64_BITS)
def test_an_id_beyond_64_bits_is_an_unknown_id(todo, todo_json, huge: str) -> None:
    todo("add", "a")
    for command in (["show"], ["done", "1"], ["reopen", "1"], ["delete", "1"]):
        result = todo(*command, "--", huge)
        assert (result.exit_code, result.stdout, result.stderr) == (
            1, "", f"Error: no task with id {huge}; nothing was changed\n"), command
    result = todo("edit", "--priority", "low", "--", huge)
    assert (result.exit_code, result.stderr) == (1, f"Error: no task with id {huge}; nothing was changed\n")
    assert todo_json("show", "1")["completed"] is False


def test_ids_must_be_integers(todo) -> None:
    result = todo("show", "abc")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: Invalid value for 'ID': 'abc' is not a valid integer")


def test_done_sets_completed_at_and_reports_tasks_already_done(todo, todo_json) -> None:
    todo("add", "a")
    todo("add", "b")
    first = todo_json("done", "1")
    assert first["completed"] is True and TIMESTAMP.match(first["completed_at"])
    result = todo("done", "1", "2")
    assert (result.exit_code, result.stdout) == (0, "Already done task 1: a\nCompleted task 2: b\n")
    both = todo_json("done", "1", "2")
    assert both[0]["completed_at"] == first["completed_at"]  # an already-done task stays as it was


def test_several_ids_are_atomic_and_the_error_names_every_unknown_id(todo, todo_json) -> None:
    todo("add", "a")
    todo("add", "b")
    for command in ("done", "reopen", "delete"):
        result = todo(command, "1", "7", "2", "9")
        assert (result.exit_code, result.stdout, result.stderr) == (
            1, "", "Error: no task with id 7, 9; nothing was changed\n"), command
    assert [t["completed"] for t in todo_json("list", "--all")] == [False, False]


def test_reopen_clears_completed_at(todo, todo_json) -> None:
    todo("add", "a")
    todo("done", "1")
    task = todo_json("reopen", "1")
    assert (task["completed"], task["completed_at"]) == (False, None)
    assert todo("reopen", "1").stdout == "Already pending task 1: a\n"


def test_edit_changes_only_what_is_given(todo, todo_json) -> None:
    original = todo_json("add", "Buy milk", "--due", "2026-12-01", "--priority", "low",
                         "--tag", "home", "--tag", "shop")
    edited = todo_json("edit", "1", "--priority", "high", "--untag", "shop", "--tag", "dairy")
    assert edited == {**original, "priority": "high", "tags": ["dairy", "home"]}
    edited = todo_json("edit", "1", "--no-due", "--no-priority", "--description", "  Buy oat milk ")
    assert edited == {**original, "description": "Buy oat milk", "due": None, "priority": None,
                      "tags": ["dairy", "home"]}
    assert todo("edit", "1", "--due", "2027-01-01").stdout == "Updated task 1: Buy oat milk\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Error: nothing to change: give at least one option "
             "(see 'python -m minidb.todo edit --help')\n"),
        (["--due", "2026-01-01", "--no-due"], "Error: --due and --no-due contradict each other "
                                              "(see 'python -m minidb.todo edit --help')\n"),
        (["--description", " "], "Error: description must not be blank\n"),
    ],
)
def test_edit_refuses_invalid_changes(todo, todo_json, args, message) -> None:
    before = todo_json("add", "keep me")
    result = todo("edit", "1", *args)
    assert (result.exit_code, result.stderr) == (2, message)
    assert todo_json("show", "1") == before


def test_edit_of_an_unknown_id_exits_1(todo) -> None:
    result = todo("edit", "3", "--priority", "low")
    assert (result.exit_code, result.stderr) == (1, "Error: no task with id 3; nothing was changed\n")


def test_delete_removes_tasks_and_ids_are_never_reused(todo, todo_json) -> None:
    todo("add", "a")
    todo("add", "b", "--tag", "x")
    result = todo("delete", "2", "1")
    assert (result.exit_code, result.stdout) == (0, "Deleted task 2: b\nDeleted task 1: a\n")
    assert todo_json("list", "--all") == []
    assert todo_json("add", "c")["id"] == 3
    assert todo_json("list", "--tag", "x") == []


HOSTILE = [
    "'); DROP TABLE tasks;--",
    "%s %(name)s %% :name ::int $1 ?",
    "emoji 🧪🚀 and ZWJ 👩‍👩‍👧 and RTL ‏שלום",
    "back\\slash \"quotes\" 'single' `tick`",
    "x" * 1000,
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_round_trips_exactly(todo, todo_json, text: str) -> None:
    assert todo_json("add", text)["description"] == text
    assert todo_json("show", "1")["description"] == text
    assert [t["description"] for t in todo_json("list", "--search", text)] == [text]
    assert todo("list").stdout.startswith(f"   1 [ ] {text}")


NUL = "contains a NUL character (character 2), which cannot be stored"
NOT_UTF8 = "is not UTF-8 text (byte 0xFF at character 2)"  # how Python hands over an argv byte
SURROGATE = "contains a lone surrogate (U+D800 at character 2), which is not text"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "a\x00b"], f"description {NUL}"),
        (["add", "a\udcffb"], f"description {NOT_UTF8}"),
        (["add", "x", "--tag", "a\x00"], f"tag {NUL}"),
        (["edit", "1", "--description", "a\ud800"], f"description {SURROGATE}"),
        (["edit", "1", "--tag", "a\udcff"], f"tag {NOT_UTF8}"),
        (["list", "--search", "a\x00"], f"search text {NUL}"),
        # Refused before the listing starts: not even the array's '[' is printed.
        (["list", "--search", "a\x00", "--json"], f"search text {NUL}"),
    ],
)
def test_nul_and_lone_surrogates_are_refused_in_every_text_on_both_engines(todo, todo_json, args,
                                                                          message) -> None:
    before = todo_json("add", "keep me")
    result = todo(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"Error: {message}\n")
    assert todo_json("list", "--all") == [before]


def test_json_output_is_utf8_and_nothing_else(todo) -> None:
    result = todo("add", "café ☕", "--json")
    assert '"description": "café ☕"' in result.stdout
    json.loads(result.stdout)


def test_the_default_database_is_in_the_data_dir(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("MINIDB_DATA_DIR", str(tmp_path / "data"))
    result = invoke("todo", "add", "x")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "data" / "todo.db").is_file()


def test_todo_database_url_is_used_when_there_is_no_db_option(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TODO_DATABASE_URL", f"sqlite:///{tmp_path}/env.db")
    assert invoke("todo", "add", "x").exit_code == 0
    assert (tmp_path / "env.db").is_file()
    result = invoke("todo", "--db", f"sqlite:///{tmp_path}/opt.db", "list", "--json")
    assert result.stdout == "[]\n"  # --db wins over the variable
    assert (tmp_path / "opt.db").is_file()


def test_a_malformed_database_url_is_a_usage_error(todo) -> None:
    result = todo("list", db="mysql://localhost/todo")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: unsupported database URL scheme 'mysql'")


def test_migrate_reports_the_schema_is_current(todo) -> None:
    result = todo("migrate")
    assert (result.exit_code, result.stdout) == (0, "Schema is up to date.\n")


def test_migrate_lists_and_applies_pending_migrations(new_database, todo) -> None:
    url = new_database("todo", migrated=False)
    check = todo("migrate", "--check", db=url)
    assert check.exit_code == 1
    assert re.fullmatch(r"(pending: todo_\w+\n)+", check.stdout)
    applied = todo("migrate", db=url)
    assert applied.exit_code == 0
    assert applied.stdout.count("applied: ") == check.stdout.count("pending: ")
    assert todo("migrate", "--check", db=url).stdout == "Schema is up to date.\n"
