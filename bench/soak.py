"""``make soak``: minutes of load and concurrency, checked for lost work.

1. The notes API under gunicorn (2 workers) with 32 concurrent clients doing
   mixed create/read/update/delete for 60 s against the throwaway
   wire-protocol server: zero 5xx, no worker dies, what clients were told
   was created (minus what they deleted) is exactly what is stored, and each
   worker's memory stays flat.
2. 16 concurrent CLI processes, to-do and contacts, on SQLite and on
   PostgreSQL: nothing lost, no "database is locked" reaching a user.

Exit status 0 only if every check holds. Traffic stays on loopback; every
loop is bounded in time and count.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.harness import child_pids, free_port, stop_process
from tests.harness.mongo import mongo_server, new_database_name
from tests.harness.postgres import database_url, running_cluster

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MAX_REQUESTS_PER_CLIENT = 100_000  # a bound beside the time limit
failures: list[str] = []


def check(condition: bool, message: str) -> None:
    print(("  ok    " if condition else "  FAIL  ") + message, flush=True)
    if not condition:
        failures.append(message)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Client:
    """One keep-alive HTTP connection doing a random mix of note operations."""

    def __init__(self, port: int, seed: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.random = random.Random(seed)
        self.mine: list[str] = []
        self.created: set[str] = set()
        self.deleted: set[str] = set()
        self.statuses: Counter[int] = Counter()
        self.errors: list[str] = []

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes, dict]:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data else {}
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.conn.close()
            self.errors.append(f"{method} {path}: {error!r}")
            return 0, b"", {}
        self.statuses[response.status] += 1
        return response.status, payload, dict(response.getheaders())

    def step(self) -> None:
        roll = self.random.random()
        if roll < 0.4 or not self.mine:
            status, payload, _ = self.request("POST", "/notes", {
                "title": f"soak {self.random.random()}", "content": "x" * self.random.randint(0, 2000),
                "tags": ["soak"]})
            if status == 201:
                note_id = json.loads(payload)["id"]
                self.mine.append(note_id)
                self.created.add(note_id)
        elif roll < 0.7:
            self.request("GET", f"/notes/{self.random.choice(self.mine)}")
        elif roll < 0.8:
            self.request("GET", "/notes?limit=20&tag=soak")
        elif roll < 0.92:
            self.request("PATCH", f"/notes/{self.random.choice(self.mine)}",
                         {"content": f"edited {self.random.random()}"})
        else:
            note_id = self.mine.pop(self.random.randrange(len(self.mine)))
            if self.request("DELETE", f"/notes/{note_id}")[0] == 204:
                self.deleted.add(note_id)


def soak_notes(seconds: float, clients: int) -> None:
    print(f"notes API: gunicorn -w 2, {clients} clients, {seconds:.0f} s", flush=True)
    from pymongo import MongoClient

    with mongo_server() as server:
        name = new_database_name()
        uri = server.database_uri(name)
        port = free_port()
        env = {**os.environ, "MONGODB_URI": uri}
        master = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "30",
             "--log-level", "warning", "minidb.notes:create_app()"],
            cwd=REPO, env=env)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                    probe.request("GET", "/healthz")
                    if probe.getresponse().status == 200:
                        break
                except OSError:
                    time.sleep(0.2)
            workers = child_pids(master.pid)
            check(len(workers) == 2, f"gunicorn started 2 workers ({workers})")
            samples: dict[int, list[int]] = {pid: [] for pid in workers}
            stop = threading.Event()

            def sample() -> None:
                while not stop.wait(2):
                    for pid in workers:
                        with contextlib.suppress(OSError):
                            samples[pid].append(rss_kib(pid))

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            pool = [Client(port, seed) for seed in range(clients)]
            end = time.monotonic() + seconds

            def run(client: Client) -> None:
                for _ in range(MAX_REQUESTS_PER_CLIENT):
                    if time.monotonic() >= end:
                        break
                    client.step()

            with ThreadPoolExecutor(max_workers=clients) as executor:
                list(executor.map(run, pool))
            stop.set()
            sampler.join()

            statuses = sum((c.statuses for c in pool), Counter())
            total = sum(statuses.values())
            print(f"  {total} requests, {total / seconds:.0f}/s, statuses {dict(sorted(statuses.items()))}")
            errors = [e for c in pool for e in c.errors]
            check(not errors, f"no connection errors ({errors[:3]})")
            check(not any(s >= 500 for s in statuses), "zero 5xx responses")
            check(child_pids(master.pid) == workers, "no worker died or was replaced")
            expected = set().union(*(c.created - c.deleted for c in pool))
            with MongoClient(uri, serverSelectionTimeoutMS=5000) as mongo:
                stored = {str(d["_id"]) for d in mongo.get_default_database().notes.find({}, {"_id": 1})}
            check(stored == expected,
                  f"stored notes == created - deleted ({len(stored)} stored, {len(expected)} expected, "
                  f"{len(stored - expected)} unexpected, {len(expected - stored)} lost)")
            for pid, values in samples.items():
                if len(values) >= 6:
                    early = statistics.median(values[1:4])
                    late = statistics.median(values[-3:])
                    check(late <= early * 1.25 + 4096,
                          f"worker {pid} memory flat: {early / 1024:.1f} MiB -> {late / 1024:.1f} MiB")
        finally:
            stop_process(master, timeout=30)
            server.drop_database(name)


def cli(app: str, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", f"minidb.{app}", "--db", url, *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def soak_clis(url: str, label: str, processes: int, rounds: int) -> None:
    print(f"CLIs on {label}: {processes} concurrent processes x {rounds} rounds", flush=True)

    def worker(n: int) -> list[str]:
        problems = []
        for i in range(rounds):
            for result in (
                cli("todo", url, "add", f"soak {n}-{i}", "--tag", f"w{n}"),
                cli("contacts", url, "add", f"Soak {n}-{i}", "--email", f"soak{n}.{i}@example.com"),
                cli("todo", url, "list", "--tag", f"w{n}", "--json"),
            ):
                if result.returncode != 0:
                    problems.append(result.stderr.strip())
        return problems

    with ThreadPoolExecutor(max_workers=processes) as pool:
        problems = [p for batch in pool.map(worker, range(processes)) for p in batch]
    check(not problems, f"every command succeeded ({problems[:3]})")
    check(not any("locked" in p for p in problems), 'no "database is locked" reached a user')
    tasks = json.loads(cli("todo", url, "list", "--all", "--json").stdout)
    contacts = json.loads(cli("contacts", url, "list", "--json").stdout)
    check(len(tasks) == processes * rounds, f"all {processes * rounds} tasks stored ({len(tasks)})")
    check(len(contacts) == processes * rounds,
          f"all {processes * rounds} contacts stored ({len(contacts)})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--processes", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    for name in ("TODO_DATABASE_URL", "CONTACTS_DATABASE_URL", "DATABASE_URL", "MONGODB_URI"):
        os.environ.pop(name, None)  # the soak run never touches the user's own databases
    started = time.monotonic()
    soak_notes(options.seconds, options.clients)
    scratch = Path(os.environ.get("TMPDIR", "/tmp")) / f"minidb-soak-{os.getpid()}"
    scratch.mkdir(parents=True, exist_ok=True)
    soak_clis(f"sqlite:///{scratch}/soak.db", "SQLite", options.processes, options.rounds)
    with running_cluster() as cluster:
        soak_clis(database_url(cluster.url, "postgres"), "PostgreSQL", options.processes, options.rounds)
    print(f"soak finished in {time.monotonic() - started:.0f} s: "
          + ("all checks passed" if not failures else f"{len(failures)} check(s) failed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
