"""The fast path (minidb/fastpath.py) runs `todo list`, `todo add`, `contacts find` and
`contacts list` without click. It may add speed, never behaviour:

- every command line below runs both ways, each on its own database, the two
  databases starting equal: exit status, stdout and stderr must be the same, and
  so must the databases afterwards;
- a command line the fast path does not fully understand goes to click;
- every option the fast path takes is the click command's own, of the same kind;
- the commands it runs import only what they need (the reason it exists).
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys

import click
import pytest

from minidb import fastpath
from minidb.main import APPS
from tests.helpers import REPO, modules_among, modules_imported

PROG = {"todo": "minidb todo", "contacts": "minidb contacts"}


def fast_app(app: str) -> fastpath.App:
    return importlib.import_module(APPS[app].fast_path).APP


def click_group(app: str) -> click.Group:
    return getattr(importlib.import_module(APPS[app].module), APPS[app].attribute)


def same_text(text: str, urls: list[str]) -> str:
    """``text`` with what differs between two equal runs made equal: the database
    URLs, uids made at random, and the times records were made."""
    for url in filter(None, urls):
        text = text.replace(url, "<database>")
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<uid>", text)
    return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "<time>", text)


def run_both_ways(app: str, args: list[str], capsys: pytest.CaptureFixture[str],
                  fast_url: str, click_url: str) -> tuple[tuple[int, str, str], tuple[int, str, str]]:
    fast_args = [a.replace("<db>", fast_url) for a in args]
    status = fast_app(app).run(fast_args, PROG[app])
    assert status is not None, f"the fast path did not take {args}"
    fast = capsys.readouterr()
    click_args = [a.replace("<db>", click_url) for a in args]
    click_status = click_group(app).main(click_args, prog_name=PROG[app], standalone_mode=False)
    by_click = capsys.readouterr()
    urls = [fast_url, click_url]
    return ((status, same_text(fast.out, urls), same_text(fast.err, urls)),
            (click_status, same_text(by_click.out, urls), same_text(by_click.err, urls)))


def export(app: str, url: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert click_group(app).main(["--db", url, "export"], prog_name=PROG[app], standalone_mode=False) == 0
    return same_text(capsys.readouterr().out, [url])


TODO_LINES = [
    ["add", "Buy", "milk"],
    ["add", "Call", "Ada", "--due", "2026-12-01", "--priority", "HIGH", "--tag", "Home", "--tag", "work",
     "--json"],
    ["add", "--due=+2w", "Book", "the", "dentist", "--tag=health", "--priority=Low"],
    ["add", "Plan the trip", "--due", "fri", "--tag", "home", "--tag", "home"],
    ["add", "   "],
    ["add", "x", "--tag", "bad tag"],
    ["add", "x", "--due", "2026-02-30"],
    ["add", "x", "--due", "someday"],
    ["add", "NUL \x00 inside"],
    ["add", "é" * 1001],
    ["list"],
    ["list", "--json"],
    ["list", "--all"],
    ["list", "--done"],
    ["list", "--done", "--json"],
    ["list", "--tag", "HOME"],
    ["list", "--tag", "nosuch"],
    ["list", "--tag", "no such"],
    ["list", "--search", "ADA"],
    ["list", "--search", "%"],
    ["list", "--search", "bad \x00 text"],
    ["list", "--search=milk", "--all", "--json"],
    ["list", "--json", "--json"],
]

CONTACTS_LINES = [
    ["find", "ada"],
    ["find", "ada", "--json"],
    ["find", "+44", "20"],
    ["find", "8366"],
    ["find", "zzz"],
    ["find", "bad \x00"],
    ["list"],
    ["list", "--json"],
    ["--region", "GB", "find", "020", "8366"],
    ["--region", "XX", "list"],
]


def test_todo_command_lines_do_the_same_both_ways(new_database, capsys) -> None:
    fast_url, click_url = new_database("todo"), new_database("todo")
    for args in TODO_LINES:
        fast, by_click = run_both_ways("todo", ["--db", "<db>", *args], capsys, fast_url, click_url)
        assert fast == by_click, args
    assert export("todo", fast_url, capsys) == export("todo", click_url, capsys)


def test_contacts_command_lines_do_the_same_both_ways(new_database, capsys) -> None:
    fast_url, click_url = new_database("contacts"), new_database("contacts")
    for url in (fast_url, click_url):
        for name, phone, email in [("Ada Lovelace", "+44 20 8366 1177", "ada@example.com"),
                                   ("Alan Turing", "+44 161 496 0000", "alan@example.org"),
                                   ("Zoë Ångström", "", "")]:
            args = ["--db", url, "add", name] + (["--phone", phone] if phone else []) + (
                ["--email", email] if email else [])
            assert click_group("contacts").main(args, standalone_mode=False) == 0
    capsys.readouterr()
    for args in CONTACTS_LINES:
        fast, by_click = run_both_ways("contacts", ["--db", "<db>", *args], capsys, fast_url, click_url)
        assert fast == by_click, args


@pytest.mark.parametrize("args", [
    ["--db", "bogus://nowhere", "list"],
    ["--db", "sqlite:////no/such/directory/todo.db", "list"],
    ["--db", "sqlite:////no/such/directory/todo.db", "add", "x"],
    ["--db", "postgresql://me:secret@127.0.0.1:1/todo", "list"],
])
def test_a_database_that_cannot_be_used_fails_the_same_both_ways(args, capsys) -> None:
    fast, by_click = run_both_ways("todo", args, capsys, "", "")
    assert fast == by_click
    assert fast[0] != 0 and fast[2].startswith("Error: ") and "secret" not in fast[2]


@pytest.mark.parametrize("args", [
    [], ["--help"], ["-h"], ["--version"], ["list", "--help"], ["list", "-h"], ["add", "--help"],
    ["list", "--all", "--done"], ["list", "--tag", "a", "--tag", "b"], ["list", "--json=yes"],
    ["list", "extra"], ["list", "--jso"], ["lis"], ["show", "1"], ["done", "1"],
    ["add"], ["add", "--json"], ["add", "x", "--priority", "urgent"], ["add", "x", "--due"],
    ["add", "x", "--due", "-1d"], ["add", "--", "-x"], ["add", "-"], ["add", "x", "--no-due"],
    ["--db"], ["--db", "a", "--db", "b", "list"], ["--db", "--json", "list"], ["list", "--db", "x"],
])
def test_todo_command_lines_the_fast_path_does_not_take_go_to_click(args) -> None:
    app = fast_app("todo")
    assert fastpath.parse(args, app.group_options, app.commands) is None


@pytest.mark.parametrize("args", [
    ["find"], ["find", "--help"], ["list", "ada"], ["--region"], ["add", "Ada"], ["find", "-x"],
    ["--region", "GB", "--region", "US", "list"],
])
def test_contacts_command_lines_the_fast_path_does_not_take_go_to_click(args) -> None:
    app = fast_app("contacts")
    assert fastpath.parse(args, app.group_options, app.commands) is None


def test_shell_completion_goes_to_click(monkeypatch) -> None:
    monkeypatch.setenv("_MINIDB_COMPLETE", "bash_complete")
    assert fast_app("todo").run(["list"], "minidb todo") is None


@pytest.mark.parametrize("app", ["todo", "contacts"])
def test_every_option_of_the_fast_path_is_the_click_commands_own(app) -> None:
    fast, group = fast_app(app), click_group(app)

    def option(command: click.Command, name: str) -> click.Option:
        found = [p for p in command.params if isinstance(p, click.Option) and name in p.opts]
        assert found, f"{command.name} has no option {name}"
        return found[0]

    for name, parameter in fast.group_options.items():
        assert option(group, name).name == parameter
    for command_name, taken in fast.commands.items():
        command = group.commands[command_name]
        for name, (parameter, value) in taken.flags.items():
            found = option(command, name)
            assert found.is_flag and found.name == parameter, name
            # A plain on/off flag sets True; a flag of several (--all, --done) its own value.
            assert value is True if found.is_bool_flag else found.flag_value == value, name
        for names, multiple in ((taken.options, False), (taken.repeatable, True)):
            for name, parameter in names.items():
                found = option(command, name)
                assert not found.is_flag and found.multiple == multiple and found.name == parameter, name
                if name in taken.choices:
                    assert list(found.type.choices) == list(taken.choices[name])
        arguments = [p for p in command.params if isinstance(p, click.Argument)]
        if taken.words:
            assert [(a.name, a.nargs, a.required) for a in arguments] == [(taken.words, -1, True)]
        else:
            assert arguments == []


# What a fast-path command may not import (the reason the fast path exists): the
# libraries of the other apps, and of the commands that check phones and e-mails or
# read and write vCards; unless the interpreter itself loaded it before minidb started.
NOT_FOR_TODO = ("click", "re", "typing", "dataclasses", "inspect", "pathlib", "uuid", "json", "csv",
                "yoyo", "psycopg", "flask", "werkzeug", "pymongo", "bson", "vobject", "email_validator",
                "phonenumbers", "minidb.contacts", "minidb.notes", "minidb.cli", "minidb.imports",
                "minidb.formats")
NOT_FOR_CONTACTS = ("click", "yoyo", "psycopg", "flask", "werkzeug", "pymongo", "bson", "phonenumbers",
                    "email_validator", "vobject", "minidb.contacts.vcard", "minidb.todo", "minidb.notes",
                    "minidb.cli")
# How each app's data dir is made ready first: the schema, and for contacts someone to find.
SETUP = {"todo": ("todo", "list"),
         "contacts": ("contacts", "add", "Ada", "--phone", "cell:+44 20 8366 1177",
                      "--email", "ada@example.com")}


@pytest.mark.parametrize(("args", "not_for"), [
    (("todo", "list"), NOT_FOR_TODO),
    (("todo", "list", "--all", "--tag", "home", "--search", "milk"), NOT_FOR_TODO),
    (("todo", "add", "Water", "the", "plants", "--priority", "high", "--tag", "home", "--due", "2026-12-24"),
     NOT_FOR_TODO),
    (("todo", "add", "Call", "Ada", "--due", "+2w"), NOT_FOR_TODO),
    (("contacts", "find", "ada"), NOT_FOR_CONTACTS),
    (("contacts", "find", "2083", "--json"), NOT_FOR_CONTACTS),
    (("contacts", "list"), NOT_FOR_CONTACTS),
    (("contacts", "list", "--json"), NOT_FOR_CONTACTS),
])
def test_the_fast_commands_import_only_what_they_need(tmp_path, args, not_for) -> None:
    env = {**os.environ, "MINIDB_DATA_DIR": str(tmp_path)}
    setup = subprocess.run([sys.executable, "-m", "minidb", *SETUP[args[0]]], cwd=REPO, env=env,
                           capture_output=True, text=True, timeout=60)
    assert setup.returncode == 0, setup.stderr
    modules = modules_imported(*args, env=env)
    assert f"minidb.{args[0]}.store" in modules  # the probe sees what it should
    assert modules_among(modules, not_for) == []


@pytest.mark.parametrize("closed", [">&-", "2>&-"])
def test_a_closed_stdout_or_stderr_does_not_fail_a_command_that_worked(tmp_path, closed) -> None:
    # A script may run `minidb todo add … >&-`: the task is added, and a status of 1
    # would make it add the task again.
    env = {**os.environ, "MINIDB_DATA_DIR": str(tmp_path)}
    command = f"{sys.executable} -m minidb todo add Water the plants {closed}"
    done = subprocess.run(["bash", "-c", command], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=60)
    assert (done.returncode, done.stderr) == (0, "")
    listed = subprocess.run([sys.executable, "-m", "minidb", "todo", "list"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=60)
    assert listed.stdout == "   1 [ ] Water the plants\n"
