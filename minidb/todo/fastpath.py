"""``todo list`` and ``todo add`` without click (see :mod:`minidb.fastpath`)."""

from __future__ import annotations

from minidb.fastpath import App, Command
from minidb.todo import actions
from minidb.todo.model import PRIORITIES

JSON = {"--json": ("as_json", True)}

APP = App(
    app="todo",
    settings=actions.settings,
    group_options={"--db": "db_url"},
    commands={
        "add": Command(actions.add, words="words", flags=JSON,
                       options={"--due": "due", "--priority": "priority"},
                       repeatable={"--tag": "tags"}, choices={"--priority": PRIORITIES}),
        "list": Command(actions.list_tasks,
                        flags={**JSON, "--all": ("status", "all"), "--done": ("status", "done")},
                        options={"--tag": "tag", "--search": "search"}),
    },
)
run = APP.run
