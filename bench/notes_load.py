"""Item 5: the notes API under load on loopback, next to bare pymongo.

The server is what production runs, documented in ``GUNICORN_FLAGS``:
gunicorn, 2 sync workers, bound to loopback, ``MONGODB_URI`` naming a bench
database on the test harness's MongoDB wire-protocol server (FerretDB,
mongod, or ``TEST_MONGODB_URI``). The collection is seeded directly with
``insert_many`` in the repository's document shape and its indexes are
created first, exactly as ``init-db`` would.

The load comes from ``CLIENTS`` separate processes (so client CPU is not
the API's GIL), each with one ``http.client`` connection reused for every
request, each request bounded in count and the whole op in time. The
ceiling is the same three operations, the same filters and sort, through
bare pymongo in one process: no HTTP, no JSON, no validation. On 2 cores
the load processes, both workers and the database server share the CPU,
so these are loopback figures for comparison, not a capacity plan.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import random
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import PYTHON, Config, Row, Section, child_env, median, percentile

TITLE = "5. Notes API under load (gunicorn, loopback) vs bare pymongo"
CLIENTS = 4
# --threads 1: gunicorn.conf.py (read from the cwd) asks for threads, which
# would turn the sync workers these rows have always measured into gthread.
GUNICORN_FLAGS = ["--workers", "2", "--worker-class", "sync", "--threads", "1", "--log-level", "warning",
                  "--timeout", "60"]
POST_BODY = {"title": "Load test note", "content": "Written by the benchmark. " * 4,
             "tags": ["bench", "load"]}


def seed(collection: Any, n: int) -> list[Any]:
    """``n`` notes in the app's shape; returns their ids. Timestamps are ms-truncated UTC, distinct."""
    from bson import ObjectId

    from minidb.notes.repository import NoteRepository

    NoteRepository(collection, timeout=None).ensure_indexes()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ids: list[Any] = []
    batch: list[dict[str, Any]] = []
    for i in range(n):
        at = start + timedelta(milliseconds=i * 7)
        doc = {"_id": ObjectId(), "title": f"Note {i}: meeting notes",
               "content": f"Discuss the project roadmap, item {i}. " * 3,
               "tags": [("work", "home", "ideas")[i % 3]], "created_at": at, "updated_at": at,
               "version": 1}
        ids.append(doc["_id"])
        batch.append(doc)
        if len(batch) == 1000:
            collection.insert_many(batch, ordered=False)
            batch = []
    if batch:
        collection.insert_many(batch, ordered=False)
    return ids


# --- the load generator (runs in child processes)


def _client(port: int, op: str, ids: list[str], count: int, seconds: float, seed_value: int,
            start: Any, results: Any) -> None:
    """One client: one keep-alive connection, requests back to back until count or time runs out."""
    rng = random.Random(seed_value)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = json.dumps(POST_BODY)
    latencies: list[float] = []
    errors = 0
    start.wait()
    began = time.perf_counter()
    deadline = began + seconds
    while len(latencies) + errors < count and time.perf_counter() < deadline:
        t = time.perf_counter()
        try:
            if op == "get":
                conn.request("GET", f"/notes/{rng.choice(ids)}")
            elif op == "post":
                conn.request("POST", "/notes", body=body, headers={"Content-Type": "application/json"})
            else:
                conn.request("GET", "/notes?limit=20")
            response = conn.getresponse()
            response.read()
            ok = response.status in (200, 201)
        except (OSError, http.client.HTTPException):
            ok = False
            conn.close()  # http.client reconnects on the next request
        if ok:
            latencies.append(time.perf_counter() - t)
        else:
            errors += 1
    results.put((latencies, errors, began, time.perf_counter()))
    conn.close()


def load(port: int, op: str, ids: list[str], count: int, seconds: float,
         clients: int) -> tuple[float, list[float], int]:
    """Run ``clients`` processes at once; (requests/s over the busy window, latencies, errors)."""
    ctx = multiprocessing.get_context("spawn")  # a small fresh process, not a fork of this one
    start = ctx.Event()
    results = ctx.Queue()
    procs = [ctx.Process(target=_client, args=(port, op, ids, count // clients, seconds, k, start, results))
             for k in range(clients)]
    for p in procs:
        p.start()
    time.sleep(0.5)  # let every client import and connect before the gun
    start.set()
    gathered = [results.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    latencies = [x for lat, _, _, _ in gathered for x in lat]
    errors = sum(e for _, e, _, _ in gathered)
    window = max(end for *_, end in gathered) - min(b for _, _, b, _ in gathered)
    return len(latencies) / window, latencies, errors


# --- the ceiling: bare pymongo, one process, sequential


def ceiling(collection: Any, op: str, ids: list[Any], count: int,
            seconds: float) -> tuple[float, list[float]]:
    from bson import ObjectId

    from minidb.notes.repository import SORT

    rng = random.Random(1)
    calls: dict[str, Callable[[], Any]] = {
        "get": lambda: collection.find_one({"_id": rng.choice(ids)}),
        "post": lambda: collection.insert_one({
            "_id": ObjectId(), **POST_BODY, "created_at": datetime.now(UTC),
            "updated_at": datetime.now(UTC), "version": 1}),
        "list": lambda: list(collection.find({}).sort(SORT).limit(21)),
    }
    call = calls[op]
    latencies: list[float] = []
    began = time.perf_counter()
    deadline = began + seconds
    while len(latencies) < count and time.perf_counter() < deadline:
        t = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - t)
    return len(latencies) / (time.perf_counter() - began), latencies


def _wait_healthy(port: int, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz in time")


def run(section: Section, config: Config, info: dict[str, str]) -> None:
    from pymongo import MongoClient

    from tests.harness import free_port, stop_process
    from tests.harness.mongo import mongo_server, new_database_name

    n = config.pick(100_000, 2_000)
    count = config.pick(6_000, 400)
    seconds = config.pick(12.0, 2.0)
    with mongo_server() as server:
        client: MongoClient[dict[str, Any]] = MongoClient(server.uri, tz_aware=True)
        version = client.server_info().get("version", "?")
        info["MongoDB-compatible server"] = f"{server.kind} (reports MongoDB {version})"
        name = new_database_name()
        collection = client[name]["notes"]
        try:
            started = time.monotonic()
            ids = seed(collection, n)
            section.notes.append(f"Seeded {n:,} notes with insert_many (batches of 1,000) in "
                                 f"{time.monotonic() - started:.1f} s on {server.kind}.")
            section.notes.extend(explain_notes(collection, ids))
            sample = [str(i) for i in random.Random(2).sample(ids, min(2_000, len(ids)))]
            port = free_port()
            argv = [PYTHON, "-m", "gunicorn", *GUNICORN_FLAGS, "--bind", f"127.0.0.1:{port}",
                    "minidb.notes:create_app()"]
            section.notes.append("Server: `MONGODB_URI=<server>/<bench db> gunicorn "
                                 + " ".join(GUNICORN_FLAGS) + " --bind 127.0.0.1:PORT "
                                 "'minidb.notes:create_app()'`; load: "
                                 f"1 client process (latency), then {CLIENTS} (throughput), one keep-alive "
                                 f"http.client connection each, at most {count:,} requests or "
                                 f"{seconds:.0f} s per operation. "
                                 "Ceiling: the same queries through pymongo, one process, sequential.")
            # The workers' log goes to a file: under this load a 503 per request would
            # bury the table; its line count goes into the notes instead.
            log_path = config.workdir / "gunicorn.log"
            log = log_path.open("wb")
            server_proc = subprocess.Popen(argv, env=child_env(MONGODB_URI=server.database_uri(name)),
                                           stdout=log, stderr=subprocess.STDOUT)
            try:
                _wait_healthy(port, server_proc)
                for op, label in (("get", "`GET /notes/<id>`"), ("post", "`POST /notes`"),
                                  ("list", "`GET /notes?limit=20`")):
                    # One client: latency with no queueing, comparable to the sequential
                    # ceiling. CLIENTS clients: throughput with both workers busy.
                    _, alone, alone_errors = load(port, op, sample, count // 2, seconds / 2, 1)
                    rps, loaded, errors = load(port, op, sample, count, seconds, CLIENTS)
                    base_rps, base_lat = ceiling(collection, op, ids, count, seconds)
                    _rows(section, label, n, (rps, loaded, errors), (alone, alone_errors),
                          (base_rps, base_lat))
            finally:
                stop_process(server_proc, timeout=30)
                log.close()
                lines = log_path.read_text(errors="replace").splitlines()
                unavailable = sum("database unavailable" in line for line in lines)
                from minidb.notes import DEFAULT_CONFIG

                deadline = DEFAULT_CONFIG["NOTES_OPERATION_TIMEOUT"]
                section.notes.append(f"gunicorn log: {len(lines)} lines, {unavailable} of them "
                                     f"'database unavailable' (the app's {deadline} s operation "
                                     "deadline expiring: the API answers 503 rather than hang)."
                                     + (f" Last: {lines[-1][:200]}" if lines else ""))
        finally:
            server.drop_database(name)
            client.close()


def _rows(section: Section, label: str, n: int, loaded: tuple[float, list[float], int],
          alone: tuple[list[float], int], ceiling: tuple[float, list[float]]) -> None:
    rps, under_load, errors = loaded
    one_client, one_errors = alone
    base_rps, base_lat = ceiling
    ms = [x * 1000 for x in one_client]
    loaded_ms = [x * 1000 for x in under_load]
    base_ms = [x * 1000 for x in base_lat]
    section.rows.append(Row(
        "5 notes", f"{label} at {n:,} notes: throughput, {CLIENTS} clients", rps, base_rps, "req/s",
        baseline_label="pymongo", ratio_override=base_rps / rps if rps else None,
        note=f"{len(under_load):,} ok, {errors:,} failed; ratio = ceiling / API",
    ))
    under = (f"p50 {median(loaded_ms):.1f} / p99 {percentile(loaded_ms, 99):.1f} ms under {CLIENTS} clients"
             if loaded_ms else f"none succeeded under {CLIENTS} clients")
    # With no successful request there is no latency to report, only the failures.
    section.rows.append(Row(
        "5 notes", f"{label}: latency p50, 1 client", median(ms) if ms else None, median(base_ms), "ms",
        baseline_label="pymongo", note=under,
    ))
    section.rows.append(Row(
        "5 notes", f"{label}: latency p99, 1 client", percentile(ms, 99) if ms else None,
        percentile(base_ms, 99), "ms", baseline_label="pymongo",
        note=f"{len(ms):,} ok, {one_errors:,} failed / {len(base_ms):,} samples",
    ))


def explain_notes(collection: Any, ids: list[Any]) -> list[str]:
    """What the server does with the app's two reads (FerretDB reports its pushdowns)."""
    from minidb.notes.repository import SORT

    found = []
    for what, cursor in (("find by _id", collection.find({"_id": ids[0]})),
                         ("newest 21 (the list page)", collection.find({}).sort(SORT).limit(21))):
        plan = cursor.explain()
        keys = {k: plan[k] for k in ("filterPushdown", "sortPushdown", "limitPushdown") if k in plan}
        planner = plan.get("queryPlanner", {})
        detail = planner.get("Plan") or planner.get("winningPlan", {}).get("stage", "?")
        found.append(f"Server plan for {what}: {detail}; {keys or ''}")
        if plan.get("sortPushdown") is False and "newest" in what:
            found.append(
                "The server does not push the sort down: it reads and sorts the whole collection "
                "for every page, so a page costs O(notes) whatever the index. FerretDB 1.x sorts "
                "inside FerretDB (https://github.com/FerretDB/FerretDB/issues/3966; fixed in "
                "FerretDB 2); MongoDB serves this query from the (created_at, _id) index."
            )
        elif "SCAN" in str(detail) and "_id" in what:
            found.append("The server scans the collection even for a lookup by _id (FerretDB 1.x "
                         "SQLite backend), so GET /notes/<id> costs O(notes) on it.")
    return found
