"""Item 4: contacts ``find`` with its index vs without, and a 10,000-card vCard import.

The find measuring is ``contacts_find.py`` (written with the contacts app,
also a standalone script); this wraps it at the scales issue 5 asks for --
1,000,000 contacts on PostgreSQL (pg_trgm GIN indexes vs the same
database without them), 100,000 on SQLite (the FTS5 trigram tables vs a plain LIKE scan)
-- and states each result as a ratio with the >= 20x goal.

The import is what a user does first (issue 10): ``python -m minidb.contacts
import cards.vcf`` of 10,000 cards as a phone exports them, each with three
phones, two e-mails, an address, an organisation and a note, timed as a
whole process (start-up, reading, checking every phone and e-mail, storing,
index upkeep) into an empty database, against the goals of <= 5 s on
SQLite and <= 10 s on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from bench import contacts_find
from bench.common import PYTHON, Config, Row, Section, median, postgres_database, run_process

TITLE = "4. Contacts: find (index vs scan) and a 10,000-card vCard import"
SPEEDUP_GOAL = 20
IMPORT_CARDS = 10_000
IMPORT_GOALS = {"SQLite": 5.0, "PostgreSQL": 10.0}


def run(section: Section, config: Config, pg_server: str | None) -> None:
    measure_import(section, config, pg_server)
    samples = config.pick(200, 40)
    engines: list[tuple[str, int, Callable[[int], dict[str, float]]]] = []
    if pg_server:
        engines.append(("PostgreSQL", config.pick(1_000_000, 50_000),
                        lambda rows: contacts_find.measure_postgres(pg_server, rows, samples,
                                                                    section.notes.append)))
    engines.append(("SQLite", config.pick(100_000, 20_000),
                    lambda rows: contacts_find.measure_sqlite(config.workdir, rows, samples,
                                                              section.notes.append)))
    for engine, rows, measure in engines:
        summary = measure(rows)
        baseline = "trigram indexes dropped" if engine == "PostgreSQL" else "plain LIKE scan"
        for p in ("p50", "p95"):
            indexed, scanned = summary[p], summary[f"scan_{p}"]
            section.rows.append(Row(
                "4 contacts", f"{engine}: `find` {p}, {rows:,} contacts", indexed, scanned, "ms",
                baseline_label=baseline, goal=f">= {SPEEDUP_GOAL}x faster" if p == "p50" else "",
                met=scanned / indexed >= SPEEDUP_GOAL if p == "p50" else None,
                note=f"{scanned / indexed:.0f}x faster; {samples} finds, "
                f"~{summary['mean_found']:.0f} contacts found each",
            ))


def phone_export(count: int) -> Iterator[str]:
    """``count`` vCard 3.0 cards as a phone writes them: typed, preferred, folded where long."""
    for i in range(count):
        yield ("BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iPhone OS 17.1//EN\r\n"
               f"N:Person{i};Given;;;\r\nFN:Given Person{i}\r\nORG:Company {i % 97};Sales\r\n"
               f"TEL;type=CELL;type=VOICE;type=pref:+1 (202) {i // 10000:03d}-{i % 10000:04d}\r\n"
               f"TEL;type=HOME;type=VOICE:(303) 555-{i % 10000:04d} x{i // 10000}\r\n"
               f"TEL;type=WORK;type=VOICE:+44 20 7{i:06d}\r\n"
               f"item1.EMAIL;type=INTERNET;type=pref:given.person{i}@example.com\r\n"
               f"item2.EMAIL;type=INTERNET;type=WORK:gp{i}@work.example.org\r\n"
               f"item3.ADR;type=HOME;type=pref:;;{i} Main Street;Springfield;IL;62{i % 1000:03d};USA\r\n"
               "item3.X-ABADR:us\r\n"
               f"NOTE:Met at the conference {i % 50}\\, table {i % 7}\\; follow up in spring\r\n"
               "END:VCARD\r\n")


def measure_import(section: Section, config: Config, pg_server: str | None) -> None:
    path = config.workdir / "phone-export.vcf"
    path.write_text("".join(phone_export(IMPORT_CARDS)), newline="")
    runs = config.pick(3, 1)
    targets: list[tuple[str, Callable[[int], AbstractContextManager[str]]]] = [
        ("SQLite", lambda n: _sqlite_database(config.workdir, n))]
    if pg_server:
        targets.append(("PostgreSQL", lambda n: postgres_database(pg_server, f"contacts_import_{n}")))
    for engine, database in targets:
        seconds = []
        for n in range(runs):
            with database(n) as url:
                seconds.append(run_process([PYTHON, "-m", "minidb.contacts", "--db", url, "import",
                                            str(path)]).seconds)
        goal = IMPORT_GOALS[engine]
        section.rows.append(Row(
            "4 contacts", f"{engine}: `import` of {IMPORT_CARDS:,} vCards (3 phones, 2 e-mails, an ADR each)",
            median(seconds), None, "s", goal=f"<= {goal:.0f} s", met=median(seconds) <= goal,
            note=f"whole process, into an empty database; median of {runs} "
            f"({', '.join(f'{s:.2f}' for s in seconds)} s)"))


@contextmanager
def _sqlite_database(workdir: Path, n: int) -> Iterator[str]:
    path = workdir / f"contacts-import-{n}.db"
    try:
        yield f"sqlite:///{path}"
    finally:
        for suffix in ("", "-wal", "-shm", ".migrate-lock"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
