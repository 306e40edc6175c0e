"""Item 2: ``python -m minidb.todo list`` as a whole process vs bare sqlite3.

The baseline is the floor any Python CLI pays: start the interpreter,
import sqlite3, open the file, run the very SELECT ``list`` runs (the
rendered ``list_tasks`` query, same parameters), print one line per row.
Everything above that is minidb's start-up: imports, click, the schema
check. ``python -X importtime`` then says where the time goes, and which
heavy modules (drivers, web framework, migration tool) the path touches.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from bench.common import (
    PYTHON,
    REPO,
    Config,
    Row,
    Section,
    child_env,
    median,
    run_process,
)
from bench.datasets import build_todo_sqlite

#: Modules that must stay off the SQLite path when the schema is current.
FORBIDDEN = ("psycopg", "pymongo", "bson", "flask", "werkzeug", "yoyo", "sqlalchemy")
_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")

TITLE = "2. CLI start-up (whole processes, SQLite, 1,000 tasks)"


def baseline_script(db_path: Path) -> str:
    """The bare program: same SELECT, same parameters, one printed line per task."""
    from minidb.db import load

    (sql,) = load("todo", "sqlite").query("list_tasks").sql("sqlite")
    return textwrap.dedent(f"""\
        import sqlite3
        conn = sqlite3.connect({str(db_path)!r})
        rows = conn.execute({sql!r}, {{"completed": False, "tag": None, "pattern": None}}).fetchall()
        print("\\n".join(f"{{r[0]:>4}} [ ] {{r[1]}}" for r in rows))
    """)


def importtime(argv: list[str]) -> list[tuple[str, int, int]]:
    """(module, self µs, cumulative µs) for every import on the path, from -X importtime."""
    import subprocess

    done = subprocess.run([PYTHON, "-X", "importtime", *argv], cwd=REPO,
                          env=child_env(), capture_output=True, text=True, timeout=60, check=True)
    found = []
    for line in done.stderr.splitlines():
        m = _IMPORT_LINE.match(line)
        if m:
            found.append((m.group(4), int(m.group(1)), int(m.group(2))))
    return found


def run(section: Section, config: Config) -> None:
    db_path = config.workdir / "startup.db"
    build_todo_sqlite(db_path, 1_000)
    url = f"sqlite:///{db_path}"
    app_argv = [PYTHON, "-m", "minidb.todo", "--db", url, "list"]
    base_argv = [PYTHON, "-c", baseline_script(db_path)]
    runs = config.pick(21, 5)

    # A third program, the bare one plus `import click`, shows how much of the
    # gap is the CLI framework itself rather than minidb. All three rotate.
    click_argv = [PYTHON, "-c", "import click\n" + baseline_script(db_path)]
    programs = {"app": app_argv, "bare": base_argv, "click": click_argv}
    times: dict[str, list[float]] = {name: [] for name in programs}
    for i in range(runs + 2):
        order = list(programs)[i % 3:] + list(programs)[:i % 3]
        for name in order:
            seconds = run_process(programs[name]).seconds
            if i >= 2:  # two warm-up rounds: page cache, bytecode cache
                times[name].append(seconds)
    app, base, with_click = times["app"], times["bare"], times["click"]
    ratio = median(app) / median(base)
    section.rows.append(Row(
        "2 start-up", "`python -m minidb.todo --db sqlite:///… list`, 1,000 tasks",
        median(app), median(base), "s", baseline_label="python -c + sqlite3", goal="<= 2.5x",
        met=ratio <= 2.5, note=f"{runs} runs each, interleaved; min {min(app) * 1000:.0f} / "
        f"{min(base) * 1000:.0f} ms",
    ))
    section.rows.append(Row(
        "2 start-up", "the same bare program + `import click` (the framework's floor)",
        median(with_click), median(base), "s", baseline_label="python -c + sqlite3",
        note="for scale: what any click CLI pays",
    ))
    # Bare interpreter start-up, for scale: the part nobody can remove.
    bare = [run_process([PYTHON, "-c", "pass"]).seconds for _ in range(config.pick(11, 3))]
    section.notes.append(f"`python -c pass` alone takes {median(bare) * 1000:.1f} ms (median) on this "
                         "machine: the floor under both columns.")

    imports = importtime(["-m", "minidb.todo", "--db", url, "list"])
    total_ms = sum(own for _, own, _ in imports) / 1000
    top_level = sorted(((name, cum) for name, _own, cum in imports), key=lambda x: -x[1])
    ours = [(n, c) for n, c in top_level if n.split(".")[0] in ("minidb",) or "." not in n][:12]
    section.notes.append(
        f"`python -X importtime -m minidb.todo list`: {len(imports)} modules imported, "
        f"{total_ms:.1f} ms of import time in all. Largest cumulative: "
        + ", ".join(f"`{n}` {c / 1000:.1f} ms" for n, c in ours) + "."
    )
    loaded = {name.split(".")[0] for name, _, _ in imports}
    bad = sorted(set(FORBIDDEN) & loaded)
    if bad:
        section.notes.append(f"**Imported on the SQLite path although the schema is current: "
                             f"{', '.join(bad)}.**")
    else:
        section.notes.append("Confirmed: with the schema current, none of "
                             f"{', '.join(FORBIDDEN)} is imported on the SQLite `list` path.")
    heavy_std = [f"`{n}` {c / 1000:.1f} ms" for n, c in top_level
                 if n in ("inspect", "typing", "uuid", "hashlib", "dataclasses", "json", "csv",
                          "datetime", "pathlib", "decimal", "email", "urllib.parse", "shutil")]
    if heavy_std:
        section.notes.append("Standard-library modules on that path (cumulative): " + ", ".join(heavy_std)
                             + ".")
