"""``python -m bench [--quick] [--only NAME ...] [--output FILE]``.

Runs every benchmark (or the ones named), prints the table and writes it,
with the machine it ran on, to ``bench/RESULTS.md``. A ``--quick``
run writes the git-ignored ``.benchmarks/RESULTS-quick.md`` instead, so a
smoke test never overwrites real figures. Options can also come from
``BENCH_ARGS`` in the environment: ``make bench BENCH_ARGS=--quick``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from bench.common import REPO, Config, Section, fmt, machine

HERE = Path(__file__).resolve().parent
NAMES = ("overhead", "startup", "scale", "contacts", "notes", "webui", "imports", "peers")
NEEDS_POSTGRES = {"overhead", "scale", "contacts", "imports"}
MODULES = {"overhead": "query_overhead", "startup": "cli_startup", "scale": "scale",
           "contacts": "contacts", "notes": "notes_load", "webui": "web_ui", "imports": "imports",
           "peers": "peers"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small scales: a ~1 minute smoke run")
    parser.add_argument("--only", action="append", choices=NAMES, metavar="NAME",
                        help=f"run only this benchmark (repeatable): {', '.join(NAMES)}")
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL parts")
    parser.add_argument("--output", type=Path, help="where to write the Markdown results")
    if argv is None:
        argv = shlex.split(os.environ.get("BENCH_ARGS", "")) + sys.argv[1:]
    args = parser.parse_args(argv)
    chosen = [n for n in NAMES if not args.only or n in args.only]
    # A smoke run must never overwrite the real figures; .benchmarks/ is git-ignored.
    output = args.output or (REPO / ".benchmarks" / "RESULTS-quick.md" if args.quick else HERE / "RESULTS.md")
    output.parent.mkdir(parents=True, exist_ok=True)

    started = time.monotonic()
    sections: list[Section] = []
    info = machine()
    # Other work on the machine skews every figure; say how busy it was.
    info["load average (start / end)"] = _load_average()
    with tempfile.TemporaryDirectory(prefix="minidb-bench-") as tmp, contextlib.ExitStack() as stack:
        config = Config(quick=args.quick, workdir=Path(tmp))
        pg_server = None
        if not args.no_postgres and NEEDS_POSTGRES & set(chosen):
            pg_server = _start_postgres(stack, info)
        for name in chosen:
            print(f"== {name} ...", file=sys.stderr, flush=True)
            section_started = time.monotonic()
            section = _run_one(name, config, pg_server, stack, info)
            section.seconds = time.monotonic() - section_started
            print(f"   {section.seconds:.0f} s", file=sys.stderr, flush=True)
            sections.append(section)
            print(render_table(sections[-1:]))
    elapsed = time.monotonic() - started
    info["load average (start / end)"] += f" / {_load_average()}"
    document = render_document(sections, info, args, elapsed)
    output.write_text(document)
    print(render_table(sections))
    print(f"\nWrote {output.relative_to(REPO) if output.is_relative_to(REPO) else output} "
          f"in {elapsed:.0f} s.")
    return 0


def _load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _start_postgres(stack: contextlib.ExitStack, info: dict[str, str]) -> str | None:
    from bench.common import postgres_server

    try:
        url = stack.enter_context(postgres_server())
    except Exception as error:
        print(f"PostgreSQL unavailable, its parts are skipped: {error}", file=sys.stderr)
        return None
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        info["PostgreSQL"] = row[0] if row else "?"
    return url


def _run_one(name: str, config: Config, pg_server: str | None, stack: contextlib.ExitStack,
             info: dict[str, str]) -> Section:
    import importlib

    module = importlib.import_module(f"bench.{MODULES[name]}")
    section = Section(module.TITLE)
    arguments: dict[str, tuple[object, ...]] = {
        "overhead": (pg_server,), "startup": (), "scale": (pg_server,), "contacts": (pg_server,),
        "notes": (info,), "webui": (info,), "imports": (pg_server,), "peers": (),
    }
    try:
        module.run(section, config, *arguments[name])
    except Exception as error:  # one broken benchmark must not cost the others their figures
        traceback.print_exc()
        section.title += " (FAILED part-way)"
        section.notes.append(f"failed: {type(error).__name__}: {str(error).strip()[:500]}")
    return section


HEADER = "| measurement | minidb | baseline | ratio | goal | met | note |\n|---|---:|---:|---:|---|---|---|"


def render_table(sections: list[Section]) -> str:
    lines = [HEADER]
    for section in sections:
        lines.append(f"| **{section.title}** | | | | | | |")
        for row in section.rows:
            ratio = "-" if row.ratio is None else f"{row.ratio:.2f}x"
            met = "-" if row.met is None else ("yes" if row.met else "**no**")
            baseline = fmt(row.baseline, row.unit)
            if row.baseline_label and row.baseline is not None:
                baseline = f"{baseline} ({row.baseline_label})"
            lines.append(f"| {row.what} | {fmt(row.subject, row.unit)} | {baseline} | {ratio} | "
                         f"{row.goal or '-'} | {met} | {row.note} |")
    return "\n".join(lines)


def render_document(sections: list[Section], info: dict[str, str], args: argparse.Namespace,
                    elapsed: float) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = "python -m bench" + (" --quick" if args.quick else "")
    if args.only:
        command += "".join(f" --only {n}" for n in args.only)
    parts = [
        "# minidb benchmarks",
        "",
        f"Written by `{command}` (`make bench`) on {when}; the whole run took {elapsed / 60:.1f} min.",
        "Every figure is measured side by side with its baseline in the same run, runs interleaved;",
        "numbers are medians. Ratio = minidb / baseline for times (so > 1 is slower); for",
        "throughput it is baseline / minidb, so it reads the same way. Goals are reported, not asserted.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in info.items()),
        "",
        "## Results",
        "",
        render_table(sections),
        "",
        "## Notes",
        "",
    ]
    for section in sections:
        parts.append(f"### {section.title} ({section.seconds:.0f} s)")
        parts.append("")
        for note in section.notes:
            # A multi-line note is a query plan or similar: keep it verbatim.
            first, _, rest = note.partition("\n")
            parts.append(f"- {first.strip()}")
            if rest:
                parts.extend(["", "  ```", *(f"  {line}" for line in rest.splitlines()), "  ```", ""])
        parts.append("")
    return "\n".join(parts)


if __name__ == "__main__":
    sys.exit(main())
