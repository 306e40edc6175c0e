"""Issue 11: start-up of the ``minidb`` command side by side with the tools people use instead.

Taskwarrior (``task``) for the to-do list and khard for the contacts, from
the distribution's packages, each on the very same records as minidb: 1,000
tasks (due dates, priorities, tags) built by ``datasets.build_todo_sqlite``
and imported into a private Taskwarrior store with ``task import``; 1,000
contacts (typed phones and e-mails, some with an organisation or a note)
imported into minidb with its own ``contacts import`` and exported from it,
one vCard per file, into a khard address book. Every program runs as a
user types it, as a whole process, with the default store of a private
HOME (minidb's data dir, ``~/.taskrc``, ``~/.config/khard/khard.conf``), so
none of them reads a real user's data. Runs rotate, after warm-up rounds,
and the figures are medians.

A command that fails or prints nothing raises (so a broken one cannot look
fast), and before timing, each pair is checked to show the same number of
tasks or contacts. A peer that is not installed is reported with the line
that installs it, and its rows are skipped.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.cli_startup import baseline_script
from bench.common import PYTHON, REPO, USER_DATABASE_VARIABLES, Config, Row, Section, median, run_to_file
from bench.datasets import build_todo_sqlite

TITLE = "11. Start-up side by side with Taskwarrior and khard (whole processes, 1,000 records)"
INSTALL_HINT = "sudo apt-get install taskwarrior khard"
RECORDS = 1_000
#: Goals as ratios minidb / peer of the median wall times.
GOALS = {"todo list": 1.0, "todo add": 2.0, "contacts find": 0.25, "contacts list": 0.25}
WARMUP_ROUNDS = 2


@dataclass
class Home:
    """A private HOME for every program of the run, and where each keeps its data."""

    root: Path
    env: dict[str, str]

    @property
    def minidb_data(self) -> Path:
        return self.root / "minidb"

    @property
    def task_data(self) -> Path:
        return self.root / "task"

    @property
    def address_book(self) -> Path:
        return self.root / "contacts"


def make_home(workdir: Path) -> Home:
    root = workdir / "peers-home"
    root.mkdir()
    # Python children see neither the repo on their path nor a user database.
    env = {k: v for k, v in os.environ.items()
           if k not in (*USER_DATABASE_VARIABLES, "PYTHONPATH", "PYTHONDONTWRITEBYTECODE", "TASKRC",
                        "TASKDATA", "XDG_DATA_HOME", "XDG_CONFIG_HOME")}
    env.update(HOME=str(root), MINIDB_DATA_DIR=str(root / "minidb"))
    return Home(root, env)


def minidb_command() -> list[str]:
    """The console script next to this interpreter, as ``make install`` puts it in .venv/bin."""
    script = Path(PYTHON).parent / "minidb"
    return [str(script)] if script.exists() else [PYTHON, "-m", "minidb"]


def peer_version(argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=30, check=True)
    return done.stdout.strip().splitlines()[0]


# --- the same records in every store


def tasks_of(db_path: Path) -> list[dict[str, object]]:
    """The tasks of a minidb database in Taskwarrior's import format."""
    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute(
            "SELECT t.uid, t.description, t.completed, t.priority, t.due, t.created_at,"
            "       t.completed_at, r.tags FROM tasks t JOIN task_rows r ON r.id = t.id ORDER BY t.id"
        ).fetchall()
    finally:
        conn.close()
    tasks = []
    for uid, description, completed, priority, due, created_at, completed_at, tags in rows:
        task: dict[str, object] = {"uuid": uid, "description": description,
                                   "status": "completed" if completed else "pending",
                                   "entry": _task_time(created_at)}
        if completed_at:
            task["end"] = _task_time(completed_at)
        if priority:
            task["priority"] = priority[0].upper()  # high/medium/low -> H/M/L
        if due:
            # A minidb due date is a day in the local time zone: Taskwarrior's is its local midnight.
            task["due"] = _task_time(datetime.fromisoformat(due).astimezone(UTC).isoformat())
        if tags:
            task["tags"] = tags.split(",")
        tasks.append(task)
    return tasks


def _task_time(stamp: str) -> str:
    """An ISO 8601 UTC time as Taskwarrior writes it: 20261125T120001Z."""
    return datetime.fromisoformat(stamp).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


FIRST_NAMES = ("Ada", "Bruno", "Chiara", "Dmitri", "Elif", "Farah", "Gustav", "Hana", "Ines", "Jonas",
               "Kofi", "Lena", "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tomasz",
               "Ursula", "Viktor", "Wanjiru", "Xavier", "Yara", "Zoltan", "Amara", "Björn", "Carmen",
               "Diego", "Emeka", "Freya", "Giulia", "Hugo", "Ingrid", "Jamal", "Keiko", "Luca", "Maren",
               "Nikhil", "Olga", "Pablo", "Rania", "Sanjay", "Thea", "Umar", "Vera", "Wojciech")
LAST_NAMES = ("Okafor", "Lindqvist", "Moreau", "Tanaka", "Kowalczyk", "Haddad", "Fernandes", "Novak",
              "Brennan", "Castillo", "Dubois", "Eriksen", "Fitzgerald", "Gallagher", "Horvath",
              "Iwasaki", "Jankowski", "Kapoor", "Laurent", "Mbeki", "Nakamura", "Oyelaran", "Petrov",
              "Quispe", "Rossi", "Schneider", "Thorsen", "Ulrich", "Varga", "Whitfield", "Yilmaz",
              "Zamora", "Abernathy", "Bianchi", "Chowdhury", "Delacroix", "Esposito", "Forsberg",
              "Grünewald", "Hakimi", "Ivanova", "Jovanovic", "Kristiansen", "Lombardi", "Mwangi",
              "Nieminen", "Ortega", "Pellegrini", "Rahman", "Sandoval", "Takahashi", "Uchenna",
              "Valdivia", "Wilkinson", "Xiong", "Yamamoto", "Zielinski", "Achterberg", "Bergström",
              "Cavendish", "Dimitrov", "Engelbrecht", "Falkenrath", "Gutierrez", "Hollingsworth",
              "Ishikawa", "Jaramillo", "Kuznetsova", "Lundgren", "Marchetti", "Nordstrom", "Oduya",
              "Pietersen", "Ravensworth", "Szymanski", "Trautmann", "Villanueva", "Wakefield",
              "Yevtushenko", "Zuckerman", "Albrecht", "Blackwood", "Carvalho", "Drummond", "Eastwood",
              "Ferreira", "Guerrero", "Halvorsen", "Ibarra", "Jablonski", "Kavanagh", "Lacroix",
              "Montgomery", "Nascimento", "Oppenheim", "Quaresma", "Rutherford", "Steinbach",
              "Tremblay", "Underwood", "Vasquez", "Winterbottom", "Yoshida", "Zimmermann", "Ashworth",
              "Bellamy", "Crowley", "Donnelly", "Ellsworth", "Fairbanks", "Gonzaga", "Hargreaves",
              "Ingleby", "Jessup", "Kingsley", "Lockhart", "Merriweather", "Northcott", "Ogilvy",
              "Prendergast", "Quimby", "Radcliffe", "Sinclair", "Thistlewood", "Upton", "Vaughan",
              "Weatherby", "Youngblood", "Zabini", "Alcott", "Brightwater", "Calloway", "Davenport",
              "Everhart", "Fenwick", "Galloway", "Hawthorne", "Islington", "Juniper", "Kettering",
              "Langford", "Mortimer", "Nightingale", "Oakenshield", "Pemberton", "Ravenscroft",
              "Stanhope", "Tolliver", "Umberton", "Vanderbilt", "Whitlock", "Yardley", "Zephyrine",
              "Applegate", "Birchwood", "Coldwell", "Dunmore", "Elmswood", "Foxworth", "Greaves",
              "Holloway", "Ironside", "Jolliffe")
COMPANIES = ("Acme Widgets", "Northwind Traders", "Globex", "Initech", "Umbrella Logistics", "Hooli",
             "Stark Foundry", "Wayne Shipping", "Soylent Foods", "Tyrell Systems")
MAIL_DOMAINS = ("example.com", "example.org", "mail.example.net", "post.example.de")
SEARCHED_LAST_NAME = "Kowalczyk"


def contact_cards(count: int, seed: int = 11) -> Iterator[str]:
    """``count`` vCard 3.0 cards as an address book holds them: a cell phone and a personal
    e-mail each, and for some a work phone, a work e-mail, an organisation or a note."""
    rng = random.Random(seed)
    for i in range(1, count + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        user = f"{first}.{last}".lower().replace("ö", "o").replace("ü", "u")
        lines = ["BEGIN:VCARD", "VERSION:3.0", f"FN:{first} {last}", f"N:{last};{first};;;",
                 f"TEL;TYPE=CELL:+1 {rng.choice((212, 312, 415, 503, 617))} 555 {i:04d}",
                 f"EMAIL;TYPE=HOME:{user}{i}@{rng.choice(MAIL_DOMAINS)}"]
        if i % 3 == 0:
            lines.append(f"TEL;TYPE=WORK:+44 20 7946 {i % 1000:04d}")
        if i % 4 == 0:
            company = rng.choice(COMPANIES)
            lines += [f"ORG:{company}", f"EMAIL;TYPE=WORK:{first[0].lower()}{i}@"
                      f"{company.split()[0].lower()}.example"]
        if i % 10 == 0:
            lines.append("NOTE:Met at the spring fair\\, owes me a book")
        lines.append("END:VCARD")
        yield "\r\n".join(lines) + "\r\n"


def split_vcards(text: str) -> Iterator[str]:
    """Each card of a vCard stream, on its own."""
    card: list[str] = []
    for line in text.splitlines():
        card.append(line)
        if line.upper() == "END:VCARD":
            yield "\r\n".join(card) + "\r\n"
            card = []


# --- timing


def rotate(programs: dict[str, list[str]], runs: int, env: dict[str, str], out: Path
           ) -> dict[str, list[float]]:
    """Each program ``runs`` times, in an order that rotates every round (warm-up rounds first).

    Each run's output goes to a file and must not be empty: a command that
    fails (run_process raises) or prints nothing cannot look fast.
    """
    names = list(programs)
    times: dict[str, list[float]] = {name: [] for name in names}
    for i in range(WARMUP_ROUNDS + runs):
        shift = i % len(names)
        for name in names[shift:] + names[:shift]:
            result = run_to_file(programs[name], out, env=env, cwd=out.parent)
            if result.stdout_bytes == 0:
                raise RuntimeError(f"{' '.join(programs[name])} printed nothing")
            if i >= WARMUP_ROUNDS:
                times[name].append(result.seconds)
    return times


def output_of(argv: list[str], env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return done.stdout


def add_row(section: Section, what: str, subject: list[float], peer: list[float],
            peer_label: str, runs: int, goal: float | None = None) -> None:
    ratio = median(subject) / median(peer)
    section.rows.append(Row(
        "11 peers", what, median(subject), median(peer), "s", baseline_label=peer_label,
        goal="" if goal is None else f"<= {goal}x", met=None if goal is None else ratio <= goal,
        note=f"{runs} runs each, rotated; min {min(subject) * 1000:.0f} / {min(peer) * 1000:.0f} ms",
    ))


# --- the two comparisons


def run(section: Section, config: Config) -> None:
    home = make_home(config.workdir)
    minidb = minidb_command()
    shown = " ".join(str(Path(a).relative_to(REPO)) if Path(a).is_relative_to(REPO) else a for a in minidb)
    section.notes.append(f"minidb runs as `{shown}`; every program with a private HOME, "
                         "its default store there, no PYTHONPATH.")
    runs = config.pick(21, 5)
    # The launcher execs a path, not a name to look up.
    peers = {package: shutil.which(program, path=home.env.get("PATH"))
             for package, program in (("taskwarrior", "task"), ("khard", "khard"))}
    missing = [package for package, path in peers.items() if path is None]
    if missing:
        message = (f"{' and '.join(missing)} not installed: their rows are skipped "
                   f"(install with `{INSTALL_HINT}`).")
        print(message, file=sys.stderr)
        section.notes.append(message)
    if "taskwarrior" not in missing:
        compare_todo(section, home, minidb, str(peers["taskwarrior"]), runs)
    if "khard" not in missing:
        compare_contacts(section, home, minidb, str(peers["khard"]), runs)


def compare_todo(section: Section, home: Home, minidb: list[str], task: str, runs: int) -> None:
    home.minidb_data.mkdir(mode=0o700)
    db_path = build_todo_sqlite(home.minidb_data / "todo.db", RECORDS)
    home.task_data.mkdir()
    (home.root / ".taskrc").write_text(
        f"data.location={home.task_data}\n"
        "confirmation=off\n"
        # Without it, 2.6 prints a "Recently upgraded" reminder on every command.
        "news.version=2.6.0\n")
    exported = home.root / "tasks.json"
    exported.write_text(json.dumps(tasks_of(db_path)))
    output_of([task, "import", str(exported)], home.env, home.root)
    version = f"Taskwarrior {peer_version(['task', '--version'], home.env)}"

    # Both must show every pending task before their times mean anything.
    listed = len(json.loads(output_of([*minidb, "todo", "list", "--json"], home.env, home.root)))
    shown = re.search(r"^(\d+) tasks?$", output_of([task, "list"], home.env, home.root), re.MULTILINE)
    if listed != RECORDS or not shown or int(shown.group(1)) != RECORDS:
        raise RuntimeError(f"not the same tasks: minidb lists {listed}, task list shows "
                           f"{shown.group(1) if shown else 'no count'}; expected {RECORDS}")
    section.notes.append(f"To-do: {RECORDS:,} pending tasks in both (a third due, three quarters "
                         f"prioritised, a third tagged), `task list` ({version}) and `minidb todo list` "
                         "each print all of them.")

    out = home.root / "stdout.txt"
    # The floor under any Python tool: the interpreter, sqlite3, the very SELECT
    # `list` runs, a line a task; nothing else (no schema check, no options).
    floor_list = [PYTHON, "-c", baseline_script(db_path)]
    times = rotate({"minidb": [*minidb, "todo", "list"], "module": [PYTHON, "-m", "minidb.todo", "list"],
                    "floor": floor_list, "task": [task, "list"]}, runs, home.env, out)
    add_row(section, f"`minidb todo list`, {RECORDS:,} tasks", times["minidb"], times["task"],
            f"{version} `task list`", runs, GOALS["todo list"])
    add_row(section, f"`python -m minidb.todo list`, {RECORDS:,} tasks", times["module"],
            times["task"], f"{version} `task list`", runs)
    add_row(section, "the floor: bare `python -c` with sqlite3, the same SELECT, a line a task",
            times["floor"], times["task"], f"{version} `task list`", runs)

    # Every run adds one task to each store, so both grow alike.
    times = rotate({
        "minidb": [*minidb, "todo", "add", "Water", "the", "plants", "--priority", "high", "--tag", "home",
                   "--due", "2026-12-24"],
        "floor": [PYTHON, "-c", floor_add_script(db_path)],
        "task": [task, "add", "Water", "the", "plants", "priority:H", "+home", "due:2026-12-24"],
    }, runs, home.env, out)
    add_row(section, "`minidb todo add … --priority --tag --due`", times["minidb"],
            times["task"], f"{version} `task add`", runs, GOALS["todo add"])
    add_row(section, "the floor: bare `python -c` with sqlite3, one INSERT, one COMMIT",
            times["floor"], times["task"], f"{version} `task add`", runs)


def floor_add_script(db_path: Path) -> str:
    """The least a Python program can do to add a task: connect, insert_task's INSERT, commit, print."""
    from minidb.db import load

    (sql,) = load("todo", "sqlite").query("insert_task").sql("sqlite")
    row = {"uid": "00000000-0000-4000-8000-ffffffffffff", "description": "Water the plants",
           "search_key": "water the plants", "completed": 0, "priority": "high", "due": "2026-12-24",
           "created_at": "2026-11-26T00:00:00.000000Z", "completed_at": None}
    return (f"import sqlite3\nconn = sqlite3.connect({str(db_path)!r}, isolation_level=None)\n"
            "conn.execute('BEGIN IMMEDIATE')\n"
            f"task_id = conn.execute({sql!r}, {row!r}).fetchone()[0]\n"
            "conn.execute('DELETE FROM tasks WHERE id = ?', (task_id,))\n"  # the uid is unique: one row
            "conn.execute('COMMIT')\n"
            "print(f'Added task {task_id}: Water the plants')\n")


def compare_contacts(section: Section, home: Home, minidb: list[str], khard: str, runs: int) -> None:
    cards = home.root / "cards.vcf"
    cards.write_text("".join(contact_cards(RECORDS)), newline="")
    output_of([*minidb, "contacts", "import", str(cards)], home.env, home.root)
    home.address_book.mkdir()
    exported = output_of([*minidb, "contacts", "export", "--format", "vcard"], home.env, home.root)
    for number, card in enumerate(split_vcards(exported), start=1):
        (home.address_book / f"{number:04d}.vcf").write_text(card, newline="")
    config = home.root / ".config" / "khard"
    config.mkdir(parents=True)
    (config / "khard.conf").write_text(f"[addressbooks]\n[[contacts]]\npath = {home.address_book}\n")
    version = peer_version([khard, "--version"], home.env).replace("Khard version", "khard")

    # The same contacts in both, and the same ones found, before any timing.
    text = SEARCHED_LAST_NAME.lower()
    counts = {}
    for label, argv in (("minidb", [*minidb, "contacts", "find", text, "--json"]),
                        ("minidb all", [*minidb, "contacts", "list", "--json"])):
        counts[label] = len(json.loads(output_of(argv, home.env, home.root)))
    for label, argv in (("khard", [khard, "list", "--parsable", text]),
                        ("khard all", [khard, "list", "--parsable"])):
        counts[label] = len(output_of(argv, home.env, home.root).splitlines())
    if (counts["minidb all"], counts["khard all"]) != (RECORDS, RECORDS) or \
            counts["minidb"] != counts["khard"] or counts["minidb"] < 2:
        raise RuntimeError(f"not the same contacts: {counts}")
    section.notes.append(f"Contacts: {RECORDS:,} in both (one vCard file each for khard, exported by "
                         f"minidb); `find {text}` and `khard list {text}` ({version}) each find "
                         f"{counts['minidb']}.")

    out = home.root / "stdout.txt"
    times = rotate({"minidb": [*minidb, "contacts", "find", text], "khard": [khard, "list", text]},
                   runs, home.env, out)
    add_row(section, f"`minidb contacts find {text}`, {RECORDS:,} contacts",
            times["minidb"], times["khard"], f"{version} `khard list {text}`", runs, GOALS["contacts find"])
    times = rotate({"minidb": [*minidb, "contacts", "list"], "khard": [khard, "list"]},
                   runs, home.env, out)
    add_row(section, f"`minidb contacts list`, {RECORDS:,} contacts", times["minidb"],
            times["khard"], f"{version} `khard list`", runs, GOALS["contacts list"])
