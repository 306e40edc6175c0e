"""``contacts find`` and ``contacts list`` without click (see :mod:`minidb.fastpath`)."""

from __future__ import annotations

from minidb.contacts import actions
from minidb.fastpath import App, Command

JSON = {"--json": ("as_json", True)}

APP = App(
    app="contacts",
    settings=actions.settings,
    group_options={"--db": "db_url", "--region": "region"},
    commands={
        "find": Command(actions.find, words="words", flags=JSON),
        "list": Command(actions.list_contacts, flags=JSON),
    },
)
run = APP.run
