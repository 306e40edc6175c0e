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

from minidb.db import Database, connect, ensure_schema, load, parse
from tests.benchmarks.common import Config, Row, Section, interleave, median, postgres_database

BENCH_SQL = Path(__file__).parent / "sql"
ITEMS_DDL = {
    "sqlite": "CREATE TABLE IF NOT EXISTS bench_items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
    "postgresql": "CREATE TABLE IF NOT EXISTS bench_items "
    "(id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL)",
}

TITLE = "1. Query-module overhead (named queries vs bare driver cursor)"


class Workload:
    """One insert query and one select query, called either way."""

    def __init__(self, db: Database, app: str, root: Path | None, insert: str, select: str,
                 params: Callable[[int], dict[str, Any]], reset: str) -> None:
        self.db = db
        self.q = load(app, db.engine, root)
        self.insert_name, self.select_name = insert, select
        (self.insert_sql,) = self.q.query(insert).sql(db.engine)
        (self.select_sql,) = self.q.query(select).sql(db.engine)
        self.params = params
        self.reset_sql = reset

    def reset(self) -> None:
        with self.db.transaction():
            self.db.conn.execute(self.reset_sql)

    def run(self, n: int, named: bool) -> tuple[float, float]:
        """Insert n rows in one transaction, then select each by id; return both times."""
        self.reset()
        rows = [self.params(i) for i in range(n)]  # built outside the timed part
        conn = self.db.conn
        ids: list[int] = []
        started = time.perf_counter()
        with self.db.transaction():
            if named:
                # The module as the app calls it: attribute lookup on every call.
                for params in rows:
                    ids.append(getattr(self.q, self.insert_name)(conn, **params))
            else:
                sql = self.insert_sql
                for params in rows:
                    row = conn.execute(sql, params).fetchone()
                    ids.append(row[0] if self.db.engine == "sqlite" else row["id"])
        inserted = time.perf_counter() - started
        random.Random(5).shuffle(ids)  # same order both ways; random so no read-ahead luck
        started = time.perf_counter()
        with self.db.transaction(write=False):
            if named:
                for task_id in ids:
                    getattr(self.q, self.select_name)(conn, id=task_id)
            else:
                sql = self.select_sql
                for task_id in ids:
                    conn.execute(sql, {"id": task_id}).fetchone()
        selected = time.perf_counter() - started
        return inserted, selected


def _task_params(i: int) -> dict[str, Any]:
    description = f"Benchmark task number {i}"
    return {
        "description": description, "search_key": description.casefold(), "completed": False,
        "priority": ("high", "medium", "low", None)[i % 4], "due": None,
        "created_at": datetime(2026, 11, 25, 12, 0, tzinfo=UTC), "completed_at": None,
    }


def _measure(section: Section, engine_label: str, workload: Workload, label: str, n: int,
             rounds: int) -> None:
    inserts: dict[bool, list[float]] = {True: [], False: []}
    selects: dict[bool, list[float]] = {True: [], False: []}

    def side(named: bool) -> Callable[[], float]:
        def run() -> float:
            ins, sel = workload.run(n, named)
            inserts[named].append(ins)
            selects[named].append(sel)
            return ins + sel
        return run

    interleave(rounds, side(True), side(False), warmup=1)
    for what, samples in (("insert", inserts), ("select by id", selects)):
        # Drop the warm-up pair (the first sample of each side). Round k of one
        # side ran next to round k of the other, so the ratio is the median of
        # the per-round ratios: drift between rounds (other load on a shared
        # machine) cancels within each pair.
        named_runs, bare_runs = samples[True][1:], samples[False][1:]
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
    rounds = config.pick(7, 2)
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
        f"{n:,} inserts in one transaction, then {n:,} point selects in shuffled id order, "
        f"same connection both ways; {rounds} interleaved rounds after one warm-up round each; "
        "times are medians, the ratio is the median of the per-round ratios. "
        "µs/call is the module's own cost per call: (named - bare) / n."
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
