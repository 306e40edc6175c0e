"""Item 5: importing 100,000 tasks with uids and conflict detection, vs before them.

Each run is a whole ``python -m minidb.todo --db URL import FILE`` into a
fresh, already migrated database, so the figure is what a user waits for.
Two baselines, run interleaved with it:

- **the previous release**: the last main commit before stable uids
  (``BASELINE_COMMIT``), unpacked with ``git archive`` and run the same way
  on the same tasks, minus the ``uid`` field it did not know. Goal: at
  most 10% slower with the uid kept, its unique index maintained and every
  chunk's uids looked up (issue 9).
- **a bare driver**: ``json.load`` and one ``executemany`` per table, no
  validation at all: the floor, for scale.

A second row re-imports the same file into the database that already holds
it, with ``--on-conflict skip``: every record is then a conflict found by
the per-chunk lookup and nothing is written.
"""

from __future__ import annotations

import json
import random
import subprocess
import tarfile
import textwrap
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import (
    PYTHON,
    REPO,
    Config,
    Row,
    Section,
    child_env,
    interleave,
    median,
    postgres_database,
    run_process,
)

TITLE = "5. Imports: 100,000 tasks with uids and conflict checks"
#: main just before issue 9's imports branch (stable uids, conflict policies):
#: the code path to beat, with the same engine adapters and query module.
BASELINE_COMMIT = "7d5db60"
GOAL = 1.10
TAGS = ("home", "work", "errand", "call")


def _tasks(n: int) -> Iterator[dict[str, object]]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    # Random, as uuid4 makes them: sequential ones would flatter the uid index.
    bits = random.Random(9)
    for i in range(n):
        created = start + timedelta(seconds=i)
        done = i % 3 == 0
        yield {
            "uid": str(uuid.UUID(int=bits.getrandbits(128), version=4)),
            "description": f"Imported task {i}: buy milk and call Ada",
            "completed": done,
            "priority": ("high", "medium", "low", None)[i % 4],
            "due": f"2026-12-{1 + i % 28:02d}" if i % 2 else None,
            "tags": [TAGS[i % 4], TAGS[(i + 1) % 4]][: i % 3],
            "created_at": created.isoformat().replace("+00:00", "Z"),
            "completed_at": (created + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
            if done else None,
        }


def _write(path: Path, n: int, with_uids: bool) -> Path:
    with path.open("w", encoding="utf-8") as out:
        out.write("[\n")
        for i, task in enumerate(_tasks(n)):
            if not with_uids:
                del task["uid"]
            out.write((",\n" if i else "") + json.dumps(task))
        out.write("\n]\n")
    return path


def _previous_release(workdir: Path) -> Path | None:
    """The baseline commit's minidb, sql and migrations, unpacked; None without git history."""
    target = workdir / "previous-release"
    archive = workdir / "previous-release.tar"
    done = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", "-o", str(archive),
                           BASELINE_COMMIT, "minidb", "sql", "migrations"],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return None
    target.mkdir()
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    return target


BARE_SQLITE = textwrap.dedent("""\
    import json, sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    tasks = json.load(open(sys.argv[2], encoding="utf-8"))
    conn.execute("BEGIN IMMEDIATE")
    ids = [conn.execute(
        "INSERT INTO tasks (uid, description, search_key, completed, priority, due, created_at, "
        "completed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (t["uid"], t["description"], t["description"].casefold(), t["completed"], t["priority"],
         t["due"], t["created_at"], t["completed_at"])).fetchone()[0] for t in tasks]
    conn.executemany("INSERT INTO tags (name) VALUES (?) ON CONFLICT DO NOTHING",
                     [(g,) for g in sorted({g for t in tasks for g in t["tags"]})])
    conn.executemany("INSERT INTO task_tags (task_id, tag_id) SELECT ?, id FROM tags WHERE name = ?",
                     [(i, g) for i, t in zip(ids, tasks) for g in t["tags"]])
    conn.execute("COMMIT")
""")

BARE_POSTGRES = textwrap.dedent("""\
    import json, sys, psycopg
    tasks = json.load(open(sys.argv[2], encoding="utf-8"))
    with psycopg.connect(sys.argv[1]) as conn, conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO tasks (uid, description, search_key, completed, priority, due, created_at, "
            "completed_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            [(t["uid"], t["description"], t["description"].casefold(), t["completed"], t["priority"],
              t["due"], t["created_at"], t["completed_at"]) for t in tasks], returning=True)
        ids = []
        while True:
            ids.append(cur.fetchone()[0])
            if not cur.nextset():
                break
        cur.executemany("INSERT INTO tags (name) VALUES (%s) ON CONFLICT DO NOTHING",
                        [(g,) for g in sorted({g for t in tasks for g in t["tags"]})])
        cur.executemany("INSERT INTO task_tags (task_id, tag_id) SELECT %s, id FROM tags WHERE name = %s",
                        [(i, g) for i, t in zip(ids, tasks) for g in t["tags"]])
""")


class Target:
    """Fresh migrated databases for one engine, made by the code that will import into them."""

    def __init__(self, engine: str, workdir: Path, pg_server: str | None) -> None:
        self.engine = engine
        self.workdir = workdir
        self.pg_server = pg_server
        self.count = 0

    @contextmanager
    def fresh(self, code: Path) -> Iterator[str]:
        self.count += 1
        if self.engine == "sqlite":
            path = self.workdir / f"import-{self.count}.db"
            url = f"sqlite:///{path}"
            _migrate(code, url)
            try:
                yield url
            finally:
                for suffix in ("", "-wal", "-shm", ".migrate-lock"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            return
        assert self.pg_server is not None
        with postgres_database(self.pg_server, f"import_{self.count}") as url:
            _migrate(code, url)
            yield url


def _env(code: Path) -> dict[str, str]:
    return child_env(PYTHONPATH=str(code))


def _migrate(code: Path, url: str) -> None:
    subprocess.run([PYTHON, "-m", "minidb.todo", "--db", url, "migrate"], cwd=code, env=_env(code),
                   check=True, capture_output=True)


def _import(code: Path, url: str, path: Path, *options: str) -> float:
    return run_process([PYTHON, "-m", "minidb.todo", "--db", url, "import", str(path), *options],
                       env=_env(code), cwd=code).seconds


def _bare(target: Target, path: Path) -> Callable[[], float]:
    script = BARE_SQLITE if target.engine == "sqlite" else BARE_POSTGRES

    def run() -> float:
        with target.fresh(REPO) as url:
            where = url.removeprefix("sqlite:///") if target.engine == "sqlite" else url
            return run_process([PYTHON, "-c", script, where, str(path)]).seconds

    return run


def _measure(section: Section, label: str, target: Target, n: int, runs: int, current_file: Path,
             old_file: Path, previous: Path | None) -> None:
    def subject() -> float:
        with target.fresh(REPO) as url:
            return _import(REPO, url, current_file)

    if previous is not None:
        def before() -> float:
            with target.fresh(previous) as url:
                return _import(previous, url, old_file)

        new, old = interleave(runs, subject, before)
        ratio = median(new) / median(old)
        section.rows.append(Row(
            "5 imports", f"{label}: `import` of {n:,} tasks (uids, conflict checks)", median(new),
            median(old), "s", baseline_label=f"previous release {BASELINE_COMMIT}",
            goal=f"<= {GOAL:.2f}x", met=ratio <= GOAL, note=f"whole process, {runs} runs each",
        ))
    else:
        section.notes.append(f"{label}: no git history to unpack {BASELINE_COMMIT} from; "
                             "only the bare-driver baseline was measured.")
    new, bare = interleave(max(1, runs // 2), subject, _bare(target, current_file), warmup=0)
    section.rows.append(Row(
        "5 imports", f"{label}: `import` of {n:,} tasks vs a bare driver", median(new), median(bare),
        "s", baseline_label="json.load + executemany, no checks", note="for scale: no goal",
    ))

    # Every record a conflict: the lookups alone, nothing written.
    with target.fresh(REPO) as url:
        _import(REPO, url, current_file)
        again = [_import(REPO, url, current_file, "--on-conflict", "skip") for _ in range(runs)]
    section.rows.append(Row(
        "5 imports", f"{label}: re-import of the same {n:,} tasks, `--on-conflict skip`",
        median(again), median(new), "s", baseline_label="the first import",
        note="every record a conflict found by its chunk's one lookup; nothing written",
    ))


def run(section: Section, config: Config, pg_server: str | None) -> None:
    n = config.pick(100_000, 10_000)
    runs = config.pick(5, 2)
    current_file = _write(config.workdir / "tasks.json", n, with_uids=True)
    old_file = _write(config.workdir / "tasks-without-uids.json", n, with_uids=False)
    previous = _previous_release(config.workdir)
    _measure(section, "SQLite", Target("sqlite", config.workdir, None), n, runs, current_file,
             old_file, previous)
    if pg_server:
        _measure(section, "PostgreSQL", Target("postgresql", config.workdir, pg_server), n,
                 config.pick(3, 1), current_file, old_file, previous)
    section.notes.append(
        f"Files: {n:,} tasks as `export` writes them ({current_file.stat().st_size / 1e6:.1f} MB), "
        "a third with two tags, a third with one; the previous release reads the same file "
        "without the uid field."
    )
