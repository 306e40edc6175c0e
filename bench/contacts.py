"""Item 4: contacts ``find`` with its index vs without, both engines.

The measuring is ``contacts_find.py`` (written with the contacts app, also
a standalone script); this wraps it at the scales issue 5 asks for --
1,000,000 contacts on PostgreSQL (pg_trgm GIN indexes vs index scans
disabled), 100,000 on SQLite (the FTS5 trigram table vs a plain LIKE scan)
-- and states each result as a ratio with the >= 20x goal.
"""

from __future__ import annotations

from collections.abc import Callable

from bench import contacts_find
from bench.common import Config, Row, Section

TITLE = "4. Contacts find: index vs scan"
SPEEDUP_GOAL = 20


def run(section: Section, config: Config, pg_server: str | None) -> None:
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
        baseline = "index scans off" if engine == "PostgreSQL" else "plain LIKE scan"
        for p in ("p50", "p95"):
            indexed, scanned = summary[p], summary[f"scan_{p}"]
            section.rows.append(Row(
                "4 contacts", f"{engine}: `find` {p}, {rows:,} contacts", indexed, scanned, "ms",
                baseline_label=baseline, goal=f">= {SPEEDUP_GOAL}x faster",
                met=scanned / indexed >= SPEEDUP_GOAL,
                note=f"{scanned / indexed:.0f}x faster; {samples} finds, "
                f"~{summary['mean_found']:.0f} contacts found each",
            ))
