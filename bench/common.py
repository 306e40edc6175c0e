"""What every benchmark shares: result rows, timing, child processes, servers.

A benchmark measures a subject and its baseline *in the same run*, runs
interleaved (A B A B ...) so machine drift hits both alike, and reports
medians with the ratio subject / baseline. Goals are reported, never
asserted: a missed goal is a finding, not a crash.
"""

from __future__ import annotations

import contextlib
import os
import platform
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
#: Variables that may name a user's real databases: never passed to children, which must not touch them.
USER_DATABASE_VARIABLES = ("TODO_DATABASE_URL", "CONTACTS_DATABASE_URL", "DATABASE_URL", "MONGODB_URI")


@dataclass
class Config:
    """Scale of one run; ``--quick`` shrinks everything for a smoke test."""

    quick: bool = False
    workdir: Path = Path("/tmp")

    def pick(self, full: int, quick: int) -> int:
        return quick if self.quick else full


@dataclass
class Row:
    """One line of the results table.

    ``subject`` and ``baseline`` are medians in ``unit``; ``ratio`` is
    subject / baseline for times (lower is better) unless ``higher_is_better``,
    in which case it is baseline / subject expressed the same way, so a ratio
    above 1 always means "slower than the baseline by that factor".
    """

    group: str
    what: str
    subject: float | None
    baseline: float | None
    unit: str
    baseline_label: str = ""
    goal: str = ""
    met: bool | None = None
    note: str = ""
    ratio_override: float | None = None

    @property
    def ratio(self) -> float | None:
        if self.ratio_override is not None:
            return self.ratio_override
        if self.baseline in (None, 0) or self.subject is None:
            return None
        return self.subject / self.baseline


@dataclass
class Section:
    """The rows of one benchmark plus free-text findings (importtime, plans...)."""

    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (no interpolation: it is a latency that happened)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def interleave(runs: int, subject: Callable[[], float], baseline: Callable[[], float],
               warmup: int = 1) -> tuple[list[float], list[float]]:
    """Run A B A B ... ``runs`` times each (after warm-up) and return both samples.

    Alternating which goes first each round cancels any advantage of going
    second (warm caches, page cache, CPU frequency).
    """
    for _ in range(warmup):
        subject()
        baseline()
    a: list[float] = []
    b: list[float] = []
    for i in range(runs):
        if i % 2 == 0:
            a.append(subject())
            b.append(baseline())
        else:
            b.append(baseline())
            a.append(subject())
    return a, b


def child_env(**extra: str) -> dict[str, str]:
    """The environment for child processes: no user database settings, repo on the path."""
    env = {k: v for k, v in os.environ.items() if k not in USER_DATABASE_VARIABLES}
    env["PYTHONPATH"] = str(REPO)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # start-up should use cached bytecode, as users have
    env.update(extra)
    return env


@dataclass
class ProcessResult:
    seconds: float
    max_rss_mb: float
    returncode: int
    stdout_bytes: int


LAUNCHER = Path(__file__).resolve().parent / "launcher.py"
#: The launcher's own RSS, which every child's peak includes (see launcher.py).
LAUNCHER_FLOOR_NOTE = "peak RSS includes the ~8 MB of the minimal launcher that forks the command"


def run_process(argv: list[str], *, env: dict[str, str] | None = None, stdout: Any = subprocess.DEVNULL,
                timeout: float = 600, cwd: Path = REPO) -> ProcessResult:
    """Run a whole process; its wall time and its own peak RSS, timed by launcher.py.

    The launcher times fork-to-exit and reads ``os.wait4``'s rusage, which
    is this child's alone (not the sum ``RUSAGE_CHILDREN`` would give), and
    keeps the benchmark process's memory out of the child's peak.
    """
    with tempfile.NamedTemporaryFile("r", prefix="bench-", suffix=".txt") as report:
        done = subprocess.run([PYTHON, "-I", "-S", str(LAUNCHER), report.name, *argv], cwd=cwd,
                              env=env or child_env(), stdout=stdout, stderr=subprocess.PIPE,
                              timeout=timeout, check=False)
        fields = report.read().split()
    if done.returncode != 0 or len(fields) != 3 or fields[2] != "0":
        stderr = done.stderr.decode(errors="replace").strip()[-500:]
        raise RuntimeError(f"{' '.join(argv)[:200]} failed ({fields}): {stderr}")
    return ProcessResult(float(fields[0]), int(fields[1]) / 1024, 0, 0)


def run_to_file(argv: list[str], path: Path, **kwargs: Any) -> ProcessResult:
    """Like run_process, with stdout written to ``path`` (a real file, as a user would redirect)."""
    with path.open("wb") as out:
        result = run_process(argv, stdout=out, **kwargs)
    result.stdout_bytes = path.stat().st_size
    return result


# --- servers: the test harness's throwaway ones, or TEST_* URLs, never user settings


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """A superuser URL: TEST_POSTGRES_URL if set, else a throwaway cluster."""
    external = os.environ.get("TEST_POSTGRES_URL")
    if external:
        yield external
        return
    from tests.harness.postgres import throwaway_cluster

    with throwaway_cluster() as url:
        yield url


@contextlib.contextmanager
def postgres_database(server_url: str, name: str) -> Iterator[str]:
    """A fresh ``minidb_test_bench_*`` database (the prefix the harness may drop)."""
    import psycopg

    from tests.harness.postgres import database_url

    full = f"minidb_test_bench_{name}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{full}"')
        admin.execute(f'CREATE DATABASE "{full}"')
    try:
        yield database_url(server_url, full)
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{full}" WITH (FORCE)')


# --- the machine


def machine() -> dict[str, str]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = "unknown"
    with contextlib.suppress(OSError):
        m = re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text())
        if m:
            ram = f"{int(m.group(1)) / 1024 / 1024:.1f} GiB"
    return {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "RAM": ram,
        "OS": _os_name(),
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
        "PostgreSQL": "-",
        "MongoDB-compatible server": "-",
    }


def _os_name() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    return platform.platform()


def fmt(value: float | None, unit: str) -> str:
    """A number with sensible precision for its size and unit."""
    if value is None:
        return "-"
    if unit in ("s",) and value < 1:
        return f"{value * 1000:.1f} ms"
    if unit == "ms" and value >= 1000:
        return f"{value / 1000:.2f} s"
    if unit == "µs":
        return f"{value:.1f} µs"
    if abs(value) < 1:
        return f"{value:.3f} {unit}"
    if abs(value) >= 100:
        return f"{value:,.0f} {unit}"
    return f"{value:.2f} {unit}" if abs(value) < 10 else f"{value:.1f} {unit}"
