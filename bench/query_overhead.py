"""Item 1: what the named-query module costs over the bare driver cursor.

Both sides use the same connection (opened by ``minidb.db.connect``, so the
same pragmas, row factory and autocommit mode) and the same rendered SQL;
the only difference is ``queries.name(conn, **params)`` versus
``conn.execute(sql, params).fetchone()``. Two workloads: the to-do app's
real ``insert_task`` / ``get_task`` (a view with a tag subquery), and a
one-column table, where the SQL is so cheap that the module's per-call cost
is as visible as it can ever be (the worst case).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import Config, Row, Section, median, postgres_database
from minidb.db import Database, connect, ensure_schema, load, parse

BENCH_SQL = Path(__file__).parent / "sql"
ITEMS_DDL = {
    "sqlite": "CREATE TABLE IF NOT EXISTS bench_items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
    "postgresql": "CREATE TABLE IF NOT EXISTS bench_items "
    "(id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL)",
}

TITLE = "1. Query-module overhead (named queries vs bare driver cursor)"


class Workload:
    """One insert query and one select query, called both ways side by side."""

    def __init__(self, db: Database, app: str, root: Path | None, insert: str, select: str,
                 params: Callable[[int], dict[str, Any]], reset: str) -> None:
        self.db = db
        self.q = load(app, db.engine, root)
        self.insert_name, self.select_name = insert, select
        (self.insert_sql,) = self.q.query(insert).sql(db.engine)
        (self.select_sql,) = self.q.query(select).sql(db.engine)
        self.params = params
        self.reset_sql = reset
        self.id_key: Any = 0 if db.engine == "sqlite" else "id"  # sqlite3.Row vs dict_row

    def reset(self) -> None:
        with self.db.transaction():
            self.db.conn.execute(self.reset_sql)

    def run(self, n: int) -> dict[str, tuple[float, float]]:
        """n inserts each way in one transaction, then n point selects each way.

        The two ways alternate call by call (named, bare, bare, named, ...)
        and each call is timed on its own, so whatever else the machine is
        doing at any moment falls on both sides alike; on 2 shared cores a
        PostgreSQL round trip varies far more between whole runs than the
        module's cost. Returns {"insert": (named, bare), "select": (...)}
        in seconds, each the sum over n calls.
        """
        self.reset()
        rows = [self.params(i) for i in range(2 * n)]  # built outside the timed part
        conn, clock, key = self.db.conn, time.perf_counter, self.id_key
        q, insert_name, insert_sql = self.q, self.insert_name, self.insert_sql
        named_ids: list[int] = []
        bare_ids: list[int] = []
        named_time = bare_time = 0.0
        with self.db.transaction():
            for i in range(n):
                for named in ((True, False) if i % 2 == 0 else (False, True)):
                    params = rows[2 * i + named]
                    if named:
                        # The module as the app calls it: attribute lookup on every call.
                        t = clock()
                        named_ids.append(getattr(q, insert_name)(conn, **params))
                        named_time += clock() - t
                    else:
                        t = clock()
                        bare_ids.append(conn.execute(insert_sql, params).fetchone()[key])
                        bare_time += clock() - t
        result = {"insert": (named_time, bare_time)}
        # Random order, so neither side enjoys sequential read-ahead.
        random.Random(5).shuffle(named_ids)
        random.Random(6).shuffle(bare_ids)
        select_name, select_sql = self.select_name, self.select_sql
        named_time = bare_time = 0.0
        with self.db.transaction(write=False):
            for i in range(n):
                for named in ((True, False) if i % 2 == 0 else (False, True)):
                    if named:
                        t = clock()
                        getattr(q, select_name)(conn, id=named_ids[i])
                        named_time += clock() - t
                    else:
                        t = clock()
                        conn.execute(select_sql, {"id": bare_ids[i]}).fetchone()
                        bare_time += clock() - t
        result["select"] = (named_time, bare_time)
        return result


def _task_params(i: int) -> dict[str, Any]:
    description = f"Benchmark task number {i}"
    return {
        "uid": f"00000000-0000-4000-8000-{i:012d}",  # unique within a run: tables are reset between
        "description": description, "search_key": description.casefold(), "completed": False,
        "priority": ("high", "medium", "low", None)[i % 4], "due": None,
        "created_at": datetime(2026, 11, 25, 12, 0, tzinfo=UTC), "completed_at": None,
    }


def _measure(section: Section, engine_label: str, workload: Workload, label: str, n: int,
             rounds: int) -> None:
    workload.run(min(n, 2_000))  # warm-up: caches, prepared statements, the query objects
    runs = [workload.run(n) for _ in range(rounds)]
    for op, what in (("insert", "insert"), ("select", "select by id")):
        named_runs = [r[op][0] for r in runs]
        bare_runs = [r[op][1] for r in runs]
        named, bare = median(named_runs), median(bare_runs)
        ratio = median([a / b for a, b in zip(named_runs, bare_runs, strict=True)])
        per_call = (named - bare) / n * 1e6
        section.rows.append(Row(
            "1 query module", f"{engine_label}: {n:,} x {what} ({label})",
            named * 1000, bare * 1000, "ms", baseline_label="bare cursor", goal="<= 1.10x",
            met=ratio <= 1.10, note=f"{per_call:+.1f} µs/call", ratio_override=ratio,
        ))


def run(section: Section, config: Config, pg_server: str | None) -> None:
    n = config.pick(20_000, 2_000)
    rounds = config.pick(5, 2)
    engines: list[tuple[str, str, Any]] = [("SQLite", "sqlite", None)]
    if pg_server:
        engines.append(("PostgreSQL", "postgresql", pg_server))
    for label, engine, server in engines:
        if engine == "sqlite":
            path = config.workdir / "overhead.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            _engine_run(section, label, f"sqlite:///{path}", n, rounds)
        else:
            with postgres_database(server, "overhead") as url:
                _engine_run(section, label, url, n, rounds)
    section.notes.append(
        f"Each round: {n:,} inserts each way in one transaction, then {n:,} point selects each "
        "way in shuffled id order, on the same connection; the two ways alternate call by call "
        "and each call is timed alone, so load from elsewhere falls on both alike. "
        f"{rounds} rounds after a warm-up; times are medians of the per-round sums, the ratio is "
        "the median of the per-round ratios. µs/call is the module's own cost per call: "
        "(named - bare) / n. Times include two clock reads per call, the same on both sides."
    )


def _engine_run(section: Section, label: str, url: str, n: int, rounds: int) -> None:
    with connect(parse(url)) as db:
        ensure_schema(db, "todo")
        with db.transaction():
            db.conn.execute(ITEMS_DDL[db.engine])
        reset_tasks = ("DELETE FROM tasks" if db.engine == "sqlite"
                       else "TRUNCATE tasks RESTART IDENTITY CASCADE")
        reset_items = ("DELETE FROM bench_items" if db.engine == "sqlite"
                       else "TRUNCATE bench_items RESTART IDENTITY")
        todo = Workload(db, "todo", None, "insert_task", "get_task", _task_params, reset_tasks)
        items = Workload(db, "bench", BENCH_SQL, "insert_item", "get_item",
                         lambda i: {"name": f"item {i}"}, reset_items)
        _measure(section, label, todo, "to-do insert_task / get_task", n, rounds)
        _measure(section, label, items, "one-column table, worst case", n, rounds)
