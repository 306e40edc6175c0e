"""minidb as a user installs it: the wheel, in a fresh virtualenv, run from a
directory outside the checkout, with a fresh data dir.

The wheel's dependencies, at the versions installed in this checkout's
virtualenv, come from a wheelhouse in ``.cache/wheels``: the first run (or
the first after a pin changes) fills it from the package index, later runs
are offline.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import venv
from dataclasses import dataclass
from pathlib import Path

import pytest

import minidb
from tests.helpers import REPO

WHEELHOUSE = REPO / ".cache" / "wheels"
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
TIMEOUT = 600


def run(argv: list[str | Path], **kwargs) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=TIMEOUT, **kwargs)
    assert result.returncode == 0, f"{argv}:\n{result.stdout}\n{result.stderr}"
    return result


@dataclass
class Installation:
    """A virtualenv with only the wheel and its dependencies, and a place to run it."""

    bin: Path
    workdir: Path  # outside the checkout
    env: dict[str, str]

    def minidb(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.bin / "minidb"), *args], cwd=self.workdir, env=self.env, input=input,
                              capture_output=True, text=True, timeout=120)

    def ok(self, *args: str) -> str:
        result = self.minidb(*args)
        assert result.returncode == 0, f"minidb {' '.join(args)}:\n{result.stderr}"
        return result.stdout


def build_wheel(dist: Path) -> Path:
    run([*PIP, "wheel", "--no-deps", "--no-build-isolation", "--quiet", "--wheel-dir", dist, REPO])
    [wheel] = dist.glob("minidb-*.whl")
    return wheel


def install(wheel: Path, python: Path, constraints: Path) -> None:
    offline = [*PIP, "--python", python, "install", "--quiet", "--no-index", "--find-links", WHEELHOUSE,
               "--constraint", constraints, wheel]
    if subprocess.run([str(a) for a in offline], capture_output=True, timeout=TIMEOUT).returncode == 0:
        return
    # A dependency is not in the wheelhouse yet (first run, or a new requirement).
    run([*PIP, "download", "--quiet", "--dest", WHEELHOUSE, "--constraint", constraints, wheel])
    for own in WHEELHOUSE.glob("minidb-*"):
        own.unlink()
    run(offline)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installation:
    root = tmp_path_factory.mktemp("install")
    wheel = build_wheel(root / "dist")
    # The dependency versions this checkout is tested with (its editable self excluded).
    frozen = run([*PIP, "freeze", "--exclude-editable"]).stdout.splitlines()
    constraints = root / "constraints.txt"
    constraints.write_text("\n".join(line for line in frozen if not line.lower().startswith("minidb")) + "\n")
    venv.EnvBuilder(with_pip=False, system_site_packages=False).create(root / "venv")
    install(wheel, root / "venv" / "bin" / "python", constraints)

    workdir = root / "elsewhere"
    workdir.mkdir()
    env = {name: value for name, value in os.environ.items() if name not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["MINIDB_DATA_DIR"] = str(root / "data")
    env["PATH"] = f"{root / 'venv' / 'bin'}{os.pathsep}{env['PATH']}"
    return Installation(root / "venv" / "bin", workdir, env)


def test_the_installed_package_runs_from_its_own_files(installed):
    probe = subprocess.run(
        [str(installed.bin / "python"), "-c",
         "import minidb, minidb.db.queries as q, minidb.db.migrations as m;"
         "print(minidb.__file__); print(q.SQL_ROOT); print(m.MIGRATIONS_ROOT)"],
        cwd=installed.workdir, env=installed.env, capture_output=True, text=True, check=True,
    )
    site = installed.bin.parent.resolve()
    for path in probe.stdout.splitlines():
        assert Path(path).resolve().is_relative_to(site), f"{path} is not in the installed package"
        assert REPO not in Path(path).resolve().parents
    shipped_sql, shipped_migrations = (Path(p) for p in probe.stdout.splitlines()[1:])
    assert files(shipped_sql) == files(REPO / "sql")
    assert files(shipped_migrations) == files(REPO / "migrations")


def files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts)


def test_version_and_help(installed):
    assert installed.ok("--version") == f"minidb {minidb.__version__}\n"
    assert installed.ok().startswith("Usage: minidb ")
    notes_help = installed.ok("notes", "--help")
    for command in ("dev", "run", "init-db", "export", "import"):
        assert f"  {command} " in notes_help


def test_a_todo_round_trip(installed):
    added = json.loads(installed.ok("todo", "add", "Buy", "milk", "--due", "2026-12-01", "--json"))
    installed.ok("todo", "done", str(added["id"]))
    installed.ok("todo", "add", "Call", "Ada")
    listed = json.loads(installed.ok("todo", "list", "--all", "--json"))
    assert [(t["description"], t["completed"]) for t in listed] == [("Buy milk", True), ("Call Ada", False)]

    exported = installed.ok("todo", "export")
    elsewhere = f"sqlite:///{installed.workdir / 'copy.db'}"
    copied = installed.minidb("todo", "--db", elsewhere, "import", "-", input=exported)
    assert copied.returncode == 0, copied.stderr
    assert json.loads(installed.ok("todo", "--db", elsewhere, "list", "--all", "--json")) == listed


def test_a_contacts_round_trip_through_vcards(installed):
    installed.ok("contacts", "add", "Ada", "Lovelace", "--phone", "+44 20 7946 0958",
                 "--email", "ada@example.com")
    installed.ok("contacts", "add", "Grace", "Hopper", "--email", "grace@example.com")
    found = json.loads(installed.ok("contacts", "find", "ada", "--json"))
    assert [c["name"] for c in found] == ["Ada Lovelace"]

    cards = installed.ok("contacts", "export", "--format", "vcard")
    assert cards.count("BEGIN:VCARD") == 2
    elsewhere = f"sqlite:///{installed.workdir / 'contacts-copy.db'}"
    copied = installed.minidb("contacts", "--db", elsewhere, "import", "-", input=cards)
    assert copied.returncode == 0, copied.stderr

    def people(*db: str) -> list[tuple[str, str | None, str | None]]:
        listed = json.loads(installed.ok("contacts", *db, "list", "--json"))
        return [(c["name"], c["phone"], c["email"]) for c in listed]

    assert people("--db", elsewhere) == people() == [
        ("Ada Lovelace", "+442079460958", "ada@example.com"),
        ("Grace Hopper", None, "grace@example.com"),
    ]


# Run by the installed interpreter: the page, then every asset it names and every
# module those modules import, through the app's own routes (Flask's test client).
CRAWL_THE_WEB_PAGE = r"""
import hashlib, json, re
from minidb.notes import create_app, web

# Indexes are made at start-up when a database answers: nothing does here, and the
# page must not need one, so the app does not wait for it.
client = create_app({"NOTES_CREATE_INDEXES": False}).test_client()
served = {}

def get(url):
    response = client.get(url)
    served[url] = {"status": response.status_code, "type": response.mimetype,
                   "sha256": hashlib.sha256(response.data).hexdigest()}
    return response.get_data(as_text=True)

pending = re.findall(r'(?:href|src)="(/[^"]*)"', get("/"))
while pending:
    url = pending.pop()
    if url not in served:
        body = get(url)
        folder = url.rsplit("/", 1)[0]
        pending += [f"{folder}/{name}" for name in re.findall(r"from\s+['\"]\./([^'\"]+)['\"]", body)]
print(json.dumps({"static": str(web.STATIC), "served": served}))
"""
CONTENT_TYPES = {"js": "text/javascript", "css": "text/css", "svg": "image/svg+xml"}


def test_the_notes_web_page_and_its_assets_are_served_from_the_wheel_without_a_database(installed):
    env = {**installed.env, "MONGODB_URI": "mongodb://127.0.0.1:9/notesdb"}  # nothing listens there
    crawl = subprocess.run([str(installed.bin / "python"), "-c", CRAWL_THE_WEB_PAGE], cwd=installed.workdir,
                           env=env, capture_output=True, text=True, timeout=120)
    assert crawl.returncode == 0, crawl.stderr
    report = json.loads(crawl.stdout)
    static = Path(report["static"]).resolve()
    assert static.is_relative_to(installed.bin.parent.resolve()), f"{static} is not in the installed package"

    served = report["served"]
    page = served.pop("/")
    assert (page["status"], page["type"]) == (200, "text/html")
    assets = {url.rsplit("/", 1)[1]: reply for url, reply in served.items()}
    assert {"app.js", "notes.css", "api.js"} <= set(assets), sorted(assets)
    checkout = REPO / "minidb" / "notes" / "web" / "static"
    for name, reply in assets.items():
        assert (reply["status"], reply["type"]) == (200, CONTENT_TYPES[name.rsplit(".", 1)[1]]), name
        assert reply["sha256"] == hashlib.sha256((checkout / name).read_bytes()).hexdigest(), name
