"""What commands print on stdout: records as text lines or JSON, streamed.

The click commands and the fast path (:mod:`minidb.fastpath`) print through
these alike, so a command's output is the same byte for byte whichever ran
it. Everything goes to :func:`output_stream`, stdout as UTF-8; this module
imports json only for ``--json`` and the progress counter only for export.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager

TYPE_CHECKING = False  # not typing's: see minidb/db/engines/base.py
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from typing import IO, Any

    from minidb.records import Record


def output_stream() -> IO[str]:
    """stdout, UTF-8 whatever the locale says."""
    stream = sys.stdout
    if stream is None:
        # The caller closed stdout (`>&-`): print nothing, as click.echo does, and
        # let the command itself succeed or fail on its own account.
        stream = sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    if (getattr(stream, "encoding", "") or "").lower().replace("-", "") != "utf8" and hasattr(
        stream, "reconfigure"
    ):
        # Reconfigured rather than wrapped: a second wrapper would close
        # stdout when collected, and flush again into a closed pipe.
        stream.reconfigure(encoding="utf-8")
    return stream


def echo(line: str) -> None:
    """One line on stdout."""
    out = output_stream()
    out.write(line + "\n")
    out.flush()


def emit(records: list[Record], as_json: bool, lines: Iterable[str]) -> None:
    """What a command that changed or read records prints.

    With ``--json`` one object for one record, an array for several;
    otherwise the text lines.
    """
    if as_json:
        print_json(records[0] if len(records) == 1 else records)
    else:
        for line in lines:
            echo(line)


def print_json(value: Any) -> None:
    import json  # only for --json: ~5 ms of start-up the text output never pays

    echo(json.dumps(value, ensure_ascii=False, indent=2))


def show_table(fields: Iterable[tuple[str, object]]) -> str:
    """What ``show`` prints: one field a line, the values in a column."""
    return "\n".join(f"{name:<12}{value}" for name, value in fields)


def emit_records(records: Iterator[Any], as_json: bool, line: Callable[[Any], str], empty: str) -> None:
    """Stream a listing to stdout as it is read: a JSON array (one element a
    line), or one text line a record, or ``empty`` when there is none.

    Nothing holds the whole list, so 100,000 rows cost the memory of one.
    """
    out = output_stream()
    with closing_stream(records) as rows:
        if as_json:
            from minidb.formats import write_json_array

            write_json_array(rows, out)
        else:
            count = 0
            for record in rows:
                out.write(line(record) + "\n")
                count += 1
            if not count:
                out.write(empty + "\n")
    out.flush()


@contextmanager
def closing_stream(rows: Iterator[Any]) -> Iterator[Iterator[Any]]:
    """Hand out a streamed query and end its read transaction when the block ends.

    If writing fails half-way (the reader of a pipe went away), the stream
    must end now, while its connection is open, rather than whenever the
    garbage collector gets to it, when the connection is closed.
    """
    try:
        yield rows
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()


def export_records(records: Iterator[Record], write: Callable[[Iterator[Record], IO[str]], object],
                   noun: str = "record") -> None:
    """Stream every record to stdout through ``write(records, out)``, as they are read.

    A long export counts the ``noun``s on stderr when it is a terminal.
    """
    from minidb.progress import counted

    out = output_stream()
    with closing_stream(counted(records, "Exporting", noun)) as exported:
        write(exported, out)
    out.flush()
