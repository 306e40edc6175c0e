"""Item 3: does the to-do CLI stay fast and small as the database grows?

- ``show`` / ``done`` on one id at 1,000 vs 1,000,000 tasks. Timed twice:
  as whole processes (what a user waits for; start-up dominates) and
  in-process through ``TaskList`` (the database work alone, where a table
  scan could not hide behind interpreter start-up). Plus the query plan,
  which is the real proof of an index lookup.
- ``list --json`` of 100,000 pending tasks and ``export`` of 1,000,000:
  time and the child's peak RSS (``os.wait4``), next to a bare sqlite3 +
  json program doing the same SELECT and writing the same amount of JSON.
"""

from __future__ import annotations

import sqlite3
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from bench.common import (
    LAUNCHER_FLOOR_NOTE,
    PYTHON,
    Config,
    ProcessResult,
    Row,
    Section,
    interleave,
    median,
    postgres_database,
    run_process,
    run_to_file,
)
from bench.datasets import build_todo_postgres, build_todo_sqlite
from minidb.db import connect, load, parse
from minidb.todo.store import TaskList

EXPORT_MEMORY_GOAL_MB = 100

TITLE = "3. Scale (to-do CLI on big databases)"


def _ids(n: int, count: int) -> list[int]:
    """``count`` distinct ids spread over 1..n, so each ``done`` really completes a task."""
    step = max(1, n // (count + 1))
    return [1 + step * (k + 1) for k in range(count)][:count]


def _point_ops(section: Section, label: str, small_url: str, big_url: str, small: int, big: int,
               config: Config, processes: bool) -> None:
    runs = config.pick(15, 4)
    calls = config.pick(300, 50)
    # A first pass reads each task once: those are cold-cache lookups (the rows
    # of a million-task table are spread over ~100 MB, mostly outside the
    # database's buffer cache). The measured passes below then time the lookup
    # itself, which is what tells an index lookup from a scan.
    cold: dict[str, list[float]] = {"small": [], "big": []}
    with connect(parse(small_url)) as small_db, connect(parse(big_url)) as big_db:
        lists = {"small": TaskList(small_db), "big": TaskList(big_db)}
        for small_id, big_id in zip(_ids(small, calls), _ids(big, calls), strict=True):
            for which, task_id in (("small", small_id), ("big", big_id)):
                started = time.perf_counter()
                lists[which].get(task_id)
                cold[which].append(time.perf_counter() - started)
    section.notes.append(
        f"{label}: first (cold-cache) `show` of each id, in-process: median "
        f"{median(cold['big']) * 1000:.3f} ms at {big:,} tasks vs {median(cold['small']) * 1000:.3f} ms "
        f"at {small:,} ({median(cold['big']) / median(cold['small']):.2f}x); the rows below are the "
        "same ids again, warm."
    )
    for command in ("show", "done"):
        # In-process: the database work alone. Calls alternate between the two
        # databases so a burst of other disk or CPU load hits both alike.
        per_db: dict[str, list[float]] = {"small": [], "big": []}
        with connect(parse(small_url)) as small_db, connect(parse(big_url)) as big_db:
            lists = {"small": TaskList(small_db), "big": TaskList(big_db)}
            for small_id, big_id in zip(_ids(small, calls), _ids(big, calls), strict=True):
                for which, task_id in (("small", small_id), ("big", big_id)):
                    started = time.perf_counter()
                    if command == "show":
                        lists[which].get(task_id)
                    else:
                        lists[which].complete([task_id])
                    per_db[which].append(time.perf_counter() - started)
            if command == "done":  # leave the tasks pending again for the process runs
                for db in (small_db, big_db):
                    with db.transaction() as conn:
                        conn.execute("UPDATE tasks SET completed = FALSE, completed_at = NULL "
                                     "WHERE completed")
        big_ms, small_ms = median(per_db["big"]) * 1000, median(per_db["small"]) * 1000
        section.rows.append(Row(
            "3 scale", f"{label}: `{command}` one id, in-process, {big:,} vs {small:,} tasks",
            big_ms, small_ms, "ms", baseline_label=f"{small:,} tasks", goal="<= 1.5x",
            met=big_ms / small_ms <= 1.5, note=f"median of {calls} calls, warm cache",
        ))
        if not processes:
            continue
        ids = {"small": iter(_ids(small, runs + 2)), "big": iter(_ids(big, runs + 2))}

        def proc(which: str, url: str, cmd: str = command,
                 ids: dict[str, Iterator[int]] = ids) -> Callable[[], float]:
            return lambda: run_process([PYTHON, "-m", "minidb.todo", "--db", url, cmd,
                                        str(next(ids[which]))]).seconds

        big_runs, small_runs = interleave(runs, proc("big", big_url), proc("small", small_url))
        ratio = median(big_runs) / median(small_runs)
        section.rows.append(Row(
            "3 scale", f"{label}: `python -m minidb.todo {command} ID`, {big:,} vs {small:,} tasks",
            median(big_runs), median(small_runs), "s", baseline_label=f"{small:,} tasks",
            goal="<= 1.5x", met=ratio <= 1.5, note=f"whole process, {runs} runs each",
        ))


def _plans(section: Section, path: Path) -> None:
    """EXPLAIN QUERY PLAN of the lookups show/done run: a SEARCH, never a SCAN of tasks."""
    q = load("todo", "sqlite")
    conn = sqlite3.connect(path)
    try:
        for name, params in (("get_task", {"id": 5}), ("complete_task", {"id": 5, "completed_at": "x"})):
            (sql,) = q.query(name).sql("sqlite")
            plan = [r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
            section.notes.append(f"SQLite plan of `{name}`: " + "; ".join(plan))
    finally:
        conn.close()


def _bare_json_script(path: Path, sql: str, params: dict[str, object]) -> str:
    """The baseline program: same SELECT, rows to JSON objects, streamed to stdout."""
    return textwrap.dedent(f"""\
        import json, sqlite3, sys
        conn = sqlite3.connect({str(path)!r})
        conn.row_factory = sqlite3.Row
        out = sys.stdout
        out.write("[")
        first = True
        for row in conn.execute({sql!r}, {params!r}):
            out.write("\\n" if first else ",\\n")
            first = False
            out.write(json.dumps(dict(row), ensure_ascii=False))
        out.write("]\\n")
    """)


def _bare_pg_json_script(url: str, sql: str) -> str:
    """The PostgreSQL baseline: a server-side cursor, rows to JSON, streamed."""
    return textwrap.dedent(f"""\
        import json, sys, psycopg
        from psycopg.rows import dict_row
        out = sys.stdout
        with psycopg.connect({url!r}, row_factory=dict_row) as conn, conn.cursor(name="dump") as cur:
            cur.itersize = 1000
            cur.execute({sql!r})
            out.write("[")
            first = True
            for row in cur:
                out.write("\\n" if first else ",\\n")
                first = False
                out.write(json.dumps(row, default=str, ensure_ascii=False))
            out.write("]\\n")
    """)


def _pg_plans(section: Section, url: str) -> None:
    """EXPLAIN of the lookups show/done run on PostgreSQL: an index scan, never a seq scan."""
    q = load("todo", "postgresql")
    with connect(parse(url)) as db:
        for name, params in (("get_task", {"id": 5}), ("complete_task", {"id": 5, "completed_at": None})):
            (sql,) = q.query(name).sql("postgresql")
            plan = [r["QUERY PLAN"].strip() for r in db.conn.execute("EXPLAIN " + sql, params)]
            section.notes.append(f"PostgreSQL plan of `{name}`: " + "; ".join(
                line for line in plan if "Scan" in line or "Update" in line))


def _stream_test(section: Section, config: Config, label: str, app_argv: list[str], base_argv: list[str],
                 runs: int, goal_mb: float | None, baseline: str = "bare sqlite3 + json") -> None:
    out = config.workdir / "out.json"
    app: list[ProcessResult] = []
    base: list[ProcessResult] = []
    for i in range(runs):
        pair = [(app, app_argv), (base, base_argv)]
        for sink, argv in (pair if i % 2 == 0 else pair[::-1]):
            sink.append(run_to_file(argv, out))
    size_mb = out.stat().st_size / 1e6
    app_s, base_s = median([r.seconds for r in app]), median([r.seconds for r in base])
    app_mb, base_mb = max(r.max_rss_mb for r in app), max(r.max_rss_mb for r in base)
    section.rows.append(Row("3 scale", f"{label}: time", app_s, base_s, "s",
                            baseline_label=baseline, note=f"{runs} runs each; "
                            f"last output {size_mb:.0f} MB"))
    section.rows.append(Row(
        "3 scale", f"{label}: peak RSS of the process", app_mb, base_mb, "MB",
        baseline_label=baseline,
        goal="" if goal_mb is None else f"<= {goal_mb:.0f} MB",
        met=None if goal_mb is None else app_mb <= goal_mb, note="max over runs, from wait4 ru_maxrss",
    ))


def run(section: Section, config: Config, pg_server: str | None) -> None:
    small, big = 1_000, config.pick(1_000_000, 50_000)
    listed = config.pick(100_000, 10_000)
    small_path = build_todo_sqlite(config.workdir / "small.db", small)
    started = time.monotonic()
    big_path = build_todo_sqlite(config.workdir / "big.db", big)
    section.notes.append(f"Built the {big:,}-task SQLite database (migrations + one INSERT ... SELECT "
                         f"from a recursive CTE) in {time.monotonic() - started:.1f} s.")
    _point_ops(section, "SQLite", f"sqlite:///{small_path}", f"sqlite:///{big_path}", small, big,
               config, processes=True)
    _plans(section, big_path)
    section.notes.append(f"Memory: {LAUNCHER_FLOOR_NOTE}.")

    # list --json: a database whose pending tasks number `listed` (half of them done).
    list_path = build_todo_sqlite(config.workdir / "list.db", listed * 2, completed_every=2)
    (list_sql,) = load("todo", "sqlite").query("list_tasks").sql("sqlite")
    _stream_test(
        section, config, f"SQLite: `list --json`, {listed:,} pending tasks",
        [PYTHON, "-m", "minidb.todo", "--db", f"sqlite:///{list_path}", "list", "--json"],
        [PYTHON, "-c", _bare_json_script(list_path, list_sql,
                                         {"completed": 0, "tag": None, "pattern": None})],
        config.pick(3, 1), None,
    )
    (all_sql,) = load("todo", "sqlite").query("all_tasks").sql("sqlite")
    _stream_test(
        section, config, f"SQLite: `export`, {big:,} tasks",
        [PYTHON, "-m", "minidb.todo", "--db", f"sqlite:///{big_path}", "export"],
        [PYTHON, "-c", _bare_json_script(big_path, all_sql, {})],
        config.pick(3, 1), EXPORT_MEMORY_GOAL_MB,
    )

    if pg_server:
        with postgres_database(pg_server, "scale_small") as small_url, \
                postgres_database(pg_server, "scale_big") as big_url:
            build_todo_postgres(small_url, small)
            started = time.monotonic()
            build_todo_postgres(big_url, big)
            section.notes.append(f"Built the {big:,}-task PostgreSQL database (generate_series) in "
                                 f"{time.monotonic() - started:.1f} s.")
            _point_ops(section, "PostgreSQL", small_url, big_url, small, big, config, processes=False)
            _pg_plans(section, big_url)
            (pg_all_sql,) = load("todo", "postgresql").query("all_tasks").sql("postgresql")
            _stream_test(
                section, config, f"PostgreSQL: `export`, {big:,} tasks",
                [PYTHON, "-m", "minidb.todo", "--db", big_url, "export"],
                [PYTHON, "-c", _bare_pg_json_script(big_url, pg_all_sql)],
                1, EXPORT_MEMORY_GOAL_MB, baseline="bare psycopg + json",
            )
