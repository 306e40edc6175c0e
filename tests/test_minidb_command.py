"""The `minidb` command: one entry to the three apps, loading only the one invoked,
with shell completion for bash, zsh and fish.

Each test runs a real process, as a user's shell would: `python -m minidb`
from the checkout (the console script `minidb` calls the same function).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import minidb
from minidb.main import APPS
from tests.helpers import REPO, modules_among, modules_imported

# The apps' libraries, which `minidb --help` and completion of the app names must not load.
OTHER_APPS_LIBRARIES = ("flask", "werkzeug", "pymongo", "bson", "vobject", "email_validator", "phonenumbers",
                        "minidb.notes", "minidb.contacts")


def minidb_cmd(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "minidb", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60)


def modules_loaded_by(tmp_path: Path, *args: str) -> set[str]:
    """The modules a `minidb ARGS` process imports, beyond the bare interpreter's."""
    return modules_imported(*args, env={**os.environ, "MINIDB_DATA_DIR": str(tmp_path)})


def test_no_command_prints_the_help_and_succeeds():
    result = minidb_cmd()
    assert result.returncode == 0
    assert result.stdout.startswith("Usage: minidb ")
    for app in APPS:
        assert f"\n  {app} " in result.stdout
    assert result.stderr == ""


def test_version_is_the_package_version():
    result = minidb_cmd("--version")
    assert result.returncode == 0
    assert result.stdout == f"minidb {minidb.__version__}\n"


def test_an_unknown_app_is_a_usage_error():
    result = minidb_cmd("nosuch")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "nosuch" in result.stderr


@pytest.mark.parametrize("app", ["todo", "contacts"])
def test_minidb_app_is_python_m_minidb_app(app, tmp_path):
    env = {**os.environ, "MINIDB_DATA_DIR": str(tmp_path)}
    for args in (["--help"], ["list", "--help"], ["list", "--json"], ["show", "999"], ["list", "--bogus"]):
        via_minidb = minidb_cmd(app, *args, env=env)
        via_module = subprocess.run([sys.executable, "-m", f"minidb.{app}", *args], cwd=REPO, env=env,
                                    capture_output=True, text=True, timeout=60)
        prog = f"python -m minidb.{app}"
        assert via_minidb.returncode == via_module.returncode, args
        assert via_minidb.stdout.replace(f"minidb {app}", prog) == via_module.stdout, args
        assert via_minidb.stderr.replace(f"minidb {app}", prog) == via_module.stderr, args


def test_notes_offers_the_flask_commands_and_dev():
    result = minidb_cmd("notes", "--help")
    assert result.returncode == 0, result.stderr
    commands = result.stdout.split("Commands:", 1)[1].split()
    for command in ("run", "init-db", "export", "import", "dev"):
        assert command in commands
    assert result.stderr == ""  # no warning about a database that is not there


def test_the_table_of_apps_says_what_each_app_says_of_itself():
    for name, (module, attribute, short_help, _fast_path) in APPS.items():
        command = getattr(__import__(module, fromlist=[attribute]), attribute)
        assert command.help.strip().splitlines()[0] == short_help, name


# What `todo list/add` and `contacts find/list` import: tests/test_fastpath.py.


def test_help_and_completion_of_the_app_names_load_no_app(tmp_path, monkeypatch):
    apps = tuple(entry.module.rsplit(".", 1)[0] for entry in APPS.values())
    modules = modules_loaded_by(tmp_path, "--help")
    assert "minidb.main" in modules
    assert modules_among(modules, apps + OTHER_APPS_LIBRARIES) == []
    monkeypatch.setenv("_MINIDB_COMPLETE", "bash_complete")
    monkeypatch.setenv("COMP_WORDS", "minidb ")
    monkeypatch.setenv("COMP_CWORD", "1")
    assert modules_among(modules_loaded_by(tmp_path), apps + OTHER_APPS_LIBRARIES) == []


# Shell completion: click's protocol. The shell's completion function runs
# `minidb` with _MINIDB_COMPLETE=<shell>_complete and the words typed so far.

def complete(shell: str, words: str, cword: int | str) -> str:
    env = {**os.environ, "_MINIDB_COMPLETE": f"{shell}_complete", "COMP_WORDS": words,
           "COMP_CWORD": str(cword)}
    result = minidb_cmd(env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def bash_candidates(words: str, cword: int) -> list[str]:
    # One "type,value" line per candidate.
    return [line.split(",", 1)[1] for line in complete("bash", words, cword).splitlines()]


def test_bash_completes_the_app_names():
    assert bash_candidates("minidb to", 1) == ["todo"]
    assert bash_candidates("minidb ", 1) == ["todo", "contacts", "notes"]
    assert "--version" in bash_candidates("minidb --", 1)


def test_bash_completes_each_apps_commands_and_options():
    todo_commands = set(bash_candidates("minidb todo ", 2))
    assert {"add", "list", "done", "edit", "delete", "export", "import"} <= todo_commands
    assert bash_candidates("minidb contacts fi", 2) == ["find"]
    assert {"run", "dev", "init-db", "export", "import"} <= set(bash_candidates("minidb notes ", 2))
    assert "--json" in bash_candidates("minidb todo list --", 3)


def test_zsh_completes_with_descriptions():
    # Three lines per candidate: type, value, description.
    lines = complete("zsh", "minidb to", 1).splitlines()
    assert lines == ["plain", "todo", APPS["todo"].help]


def test_fish_completes_with_descriptions():
    # fish passes the whole command line and the current token.
    assert complete("fish", "minidb contacts fi", "fi").splitlines() == [
        "plain,find\tSearch names, e-mails and phone numbers."
    ]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_each_shell_gets_a_completion_script(shell):
    env = {**os.environ, "_MINIDB_COMPLETE": f"{shell}_source"}
    result = minidb_cmd(env=env)
    assert result.returncode == 0
    assert "_MINIDB_COMPLETE=" + f"{shell}_complete" in result.stdout


def shell_environment(tmp_path: Path) -> dict[str, str]:
    """A PATH on which `minidb` is this checkout's, as after `pip install`."""
    launcher = tmp_path / "minidb"
    launcher.write_text(f"#!/bin/sh\ncd {REPO} && exec {sys.executable} -m minidb \"$@\"\n")
    launcher.chmod(0o755)
    return {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}", "HOME": str(tmp_path)}


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_bash_script_completes_in_bash(tmp_path):
    # What the README's line in ~/.bashrc does, then a TAB after `minidb to`.
    script = (
        'eval "$(_MINIDB_COMPLETE=bash_source minidb)"\n'
        "COMP_WORDS=(minidb to); COMP_CWORD=1; _minidb_completion minidb\n"
        'echo "${COMPREPLY[@]}"\n'
        "COMP_WORDS=(minidb todo ''); COMP_CWORD=2; _minidb_completion minidb\n"
        'echo "${COMPREPLY[@]}"\n'
    )
    result = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], env=shell_environment(tmp_path),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.splitlines()
    assert first == "todo"
    assert {"add", "list", "done"} <= set(second.split())


@pytest.mark.skipif(shutil.which("fish") is None, reason="needs fish")
def test_the_fish_script_completes_in_fish(tmp_path):
    # The README's line in config.fish, then what fish offers after `minidb to` and `minidb todo li`.
    script = ("_MINIDB_COMPLETE=fish_source minidb | source\n"
              "complete -C 'minidb to'\n"
              "complete -C 'minidb todo li'\n")
    result = subprocess.run(["fish", "--no-config", "-c", script], env=shell_environment(tmp_path),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"todo\t{APPS['todo'].help}",
                                          "list\tList tasks: pending by default"]


@pytest.mark.skipif(shutil.which("zsh") is None, reason="needs zsh")
def test_the_zsh_script_registers_with_zsh_completion(tmp_path):
    # The README's line in ~/.zshrc, after compinit: minidb gets its completion function.
    script = ('autoload -Uz compinit && compinit -u -D\n'
              'eval "$(_MINIDB_COMPLETE=zsh_source minidb)"\n'
              'print -r -- "$_comps[minidb]"\n')
    result = subprocess.run(["zsh", "-f", "-c", script], env=shell_environment(tmp_path),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "_minidb_completion\n"
