"""Imports a user can trust: the machinery every ``import`` command shares.

An import reads records from a file, checks each one, and stores the good
ones in one transaction. What happens to the others is the user's choice:

- A **bad record** (malformed in any way). By default nothing is imported
  and the error names every bad record (the first :data:`MAX_NAMED`, then a
  count), so one run shows the user everything to fix: exit 2. With
  ``--skip-invalid`` the valid records are imported, each skipped one is
  named on stderr as it is met, and the summary names them again.
- A **conflict**: a record whose key (a uid; for contacts also a phone or
  e-mail) is already stored, or repeats an earlier record of the same file.
  ``--on-conflict fail`` (the default) imports nothing and names every
  conflict: exit 1. ``skip`` leaves the stored record as it is. An app may
  offer a third way (to-do ``replace``, contacts ``merge``), which it
  carries out itself and counts in :attr:`ImportRun.replaced` or
  :attr:`ImportRun.merged`.

The stream is read once, in chunks: the app looks up each chunk's keys in
the database with one query (set-based: never one query per record) and
writes the chunk's new records in one batch. Memory holds one chunk plus
the named messages, whose number is capped, so time is linear in the file
and memory bounded whatever its size.

A record the reader cannot step over (JSON broken mid-array, nesting too
deep) ends the reading: nothing is imported, even with ``--skip-invalid``,
and everything met until then is named.

How an app plugs in (the to-do import is the worked example)::

    run = ImportRun(ImportPolicy(on_conflict, skip_invalid), noun="task")
    with db.transaction() as conn:
        for chunk in run.chunks(json_records(stream), validate):
            stored = <one query: the chunk's uids that are already stored>
            for item, earlier in repeats(chunk, lambda item: [item.value.uid]).items(): ...
            for item in chunk: run.conflict(...) / insert / replace
            run.imported += <rows inserted>
        run.finish()  # raises ImportRefused when nothing may be kept, rolling back
    click.echo(run.summary())

Writes can go on after the first problem: the transaction is rolled back
anyway, and the records stored meanwhile are what lets the database find
the later repeats of them, so every conflict is named in one run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, Generic, NamedTuple, TypeVar

import click

from minidb.errors import Conflict, InvalidInput, MinidbError, plural
from minidb.errors import one_line as _one_line
from minidb.formats import read_csv_rows, read_json_array
from minidb.progress import progress

T = TypeVar("T")
R = TypeVar("R")

#: How many bad records or conflicts are named one by one; the rest are counted.
MAX_NAMED = 20
#: Records per chunk: one key lookup and one batch of writes each.
CHUNK_SIZE = 1000

FAIL, SKIP, REPLACE, MERGE = "fail", "skip", "replace", "merge"


# --- the command-line options


def on_conflict_option(*extra: str, help: str | None = None) -> Callable[[Any], Any]:
    """``--on-conflict fail|skip|<extra>``, ``fail`` by default; the value arrives as ``on_conflict``."""
    choices = (FAIL, SKIP, *extra)
    return click.option(
        "--on-conflict", "on_conflict", type=click.Choice(choices), default=FAIL, show_default=True,
        help=help or "What to do with a record whose uid is already stored or repeats an earlier "
        "one: fail (import nothing, name them all) or skip it.",
    )


def skip_invalid_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--skip-invalid``: import the valid records; the value arrives as ``skip_invalid``."""
    return click.option(
        "--skip-invalid", is_flag=True,
        help="Import the valid records and name each invalid one on stderr, instead of "
        "importing nothing when a record is bad.",
    )(f)


@dataclass(frozen=True)
class ImportPolicy:
    """What the user chose for bad records and conflicts."""

    on_conflict: str = FAIL
    skip_invalid: bool = False


# --- records as readers hand them over


class Item(NamedTuple, Generic[T]):
    """One record and where it is in the file: ``record 17``, ``line 4``, ``card 3``.

    A named tuple: one is made per record, twice, and a tuple costs a fifth
    of a frozen dataclass to make.
    """

    where: str
    value: T


#: What a reader yields: a record, or a bad record it could step over.
Candidate = Item[Any] | InvalidInput


def json_records(stream: IO[str]) -> Iterator[Candidate]:
    """The elements of a JSON array as ``record N`` items (1-based).

    A break in the JSON itself raises InvalidInput: the reader cannot find
    the next record after it.
    """
    for index, record in enumerate(read_json_array(stream), start=1):
        yield Item(f"record {index}", record)


def csv_records(stream: IO[str], required: list[str],
                optional: tuple[str, ...] | list[str] = ()) -> Iterator[Candidate]:
    """The data rows of a CSV file as ``line N`` items (dicts by column name).

    A row with the wrong number of fields is a bad record the reader steps
    over; a bad header, or CSV the parser cannot go on with, raises.
    """
    for line, row in read_csv_rows(stream, required, optional):
        yield row if isinstance(row, InvalidInput) else Item(f"line {line}", row)


def repeats(chunk: list[Item[T]], keys: Callable[[Item[T]], Iterable[Any]]) -> dict[int, tuple[Any, str]]:
    """Records of ``chunk`` that repeat a key of an earlier record of the same chunk.

    Returns ``{index in chunk: (key, where the earlier record is)}``. Repeats
    across chunks are found by the database, where the earlier chunks'
    records already are.
    """
    first: dict[Any, str] = {}
    found: dict[int, tuple[Any, str]] = {}
    for index, item in enumerate(chunk):
        for key in keys(item):
            if key is None:
                continue
            if key in first:
                found.setdefault(index, (key, first[key]))
            else:
                first[key] = item.where
    return found


# --- one import


class Problems:
    """How many problems of one kind were met, and the messages of the first MAX_NAMED."""

    def __init__(self, limit: int = MAX_NAMED) -> None:
        self.limit = limit
        self.count = 0
        self.named: list[str] = []

    def add(self, message: str) -> None:
        self.count += 1
        if len(self.named) < self.limit:
            self.named.append(message)

    @property
    def unnamed(self) -> int:
        return self.count - len(self.named)

    def __bool__(self) -> bool:
        return self.count > 0


class ImportRefused(MinidbError):
    """Nothing was imported; ``details`` names the bad records and conflicts, one a line."""

    def __init__(self, message: str, details: list[str], exit_code: int) -> None:
        super().__init__(message)
        self.details = tuple(details)
        self.exit_code = exit_code


class ImportRun(Generic[R]):
    """The state of one import: the counts, the named problems, the verdict.

    ``noun`` names a record in messages (``task``, ``contact``, ``note``);
    ``key`` names what makes two records one (``uid``; ``uid, phone or
    e-mail``). Warnings and progress go to ``stream`` (stderr by default).
    """

    def __init__(self, policy: ImportPolicy, noun: str, stream: IO[str] | None = None,
                 key: str = "uid") -> None:
        self.policy = policy
        self.noun = noun
        self.key = key
        self.imported = 0
        self.replaced = 0
        self.merged = 0
        self.skipped_conflicts = 0
        self.invalid = Problems()  # bad records: refused, or skipped with --skip-invalid
        self.conflicts = Problems()  # conflicts under --on-conflict fail
        self.unreadable: str | None = None  # why reading stopped early, if it did
        self._records_read = 0
        self._progress = progress("Importing", noun, stream)

    # -- what the app reports while it stores

    def reject(self, error: InvalidInput) -> None:
        """A bad record: skipped and named now with --skip-invalid, else refused at the end."""
        message = _one_line(str(error))
        self.invalid.add(message)
        if self.policy.skip_invalid:
            self._progress.echo(f"Skipped {message}")

    def conflict(self, message: str) -> bool:
        """A conflict (``message`` names the record and what it clashes with).

        Returns whether the app should leave the record out: True under
        ``fail`` and ``skip``; under the app's own policy (replace, merge)
        False, and the app carries it out.
        """
        if self.policy.on_conflict == FAIL:
            self.conflicts.add(_one_line(message))
            return True
        if self.policy.on_conflict == SKIP:
            self.skipped_conflicts += 1
            return True
        return False

    def warn(self, message: str) -> None:
        """Something the user should know that does not stop the record (a value kept aside)."""
        self._progress.echo(f"Warning: {_one_line(message)}")

    @property
    def failed(self) -> bool:
        """Whether the import will be refused whatever comes next."""
        return bool(self.unreadable) or bool(self.conflicts) or (
            bool(self.invalid) and not self.policy.skip_invalid)

    # -- reading

    def chunks(self, candidates: Iterable[Candidate], validate: Callable[[Item[Any]], R],
               size: int = CHUNK_SIZE) -> Iterator[list[Item[R]]]:
        """Valid records in chunks of ``size``, streamed from ``candidates``.

        ``validate`` turns one raw item into the app's record or raises
        InvalidInput naming it (``record 17: description must not be
        blank``); such records go to :meth:`reject`. The progress counter
        advances with every record read.
        """
        chunk: list[Item[R]] = []
        reject, advance = self.reject, self._progress.advance
        read = 0
        # The hot loop of every import: one try for the reader, one for the
        # record, nothing else per record that can be done per chunk.
        try:
            for candidate in candidates:
                read += 1
                if isinstance(candidate, InvalidInput):
                    reject(candidate)
                    continue
                try:
                    chunk.append(Item(candidate.where, validate(candidate)))
                except InvalidInput as error:
                    reject(error)
                    continue
                if len(chunk) >= size:
                    advance(read - self._records_read)
                    self._records_read = read
                    yield chunk
                    chunk = []
        except InvalidInput as error:  # from the reader: it cannot go on
            self.unreadable = _one_line(str(error))
        advance(read - self._records_read)
        self._records_read = read
        if chunk:
            yield chunk

    # -- the verdict

    def finish(self) -> None:
        """Raise ImportRefused if nothing may be kept (call it inside the transaction)."""
        self._progress.close()
        if not self.failed:
            return
        if self.unreadable and not self._records_read and not self.conflicts:
            # The file itself is wrong (not a JSON array, a bad CSV header, broken
            # from the first record on): there is nothing else to name.
            raise InvalidInput(self.unreadable)
        details: list[str] = []
        bad = 0
        if not self.policy.skip_invalid:
            bad = self.invalid.count
            details += self.invalid.named
            if self.invalid.unnamed:
                details.append(f"... and {plural(self.invalid.unnamed, 'more bad record')}")
        if self.unreadable:
            bad += 1
            details.append(self.unreadable)
        details += self.conflicts.named
        if self.conflicts.unnamed:
            details.append(f"... and {plural(self.conflicts.unnamed, 'more conflict')}")
        found = [plural(bad, "bad record")] if bad else []
        if self.conflicts:
            found.append(plural(self.conflicts.count, "conflict"))
        message = f"{' and '.join(found)}; nothing was imported"
        if self.unreadable:
            message += f" (the file cannot be read past {_where(self.unreadable)})"
        elif bad and not self.conflicts:
            message += " (--skip-invalid imports the valid ones)"
        elif not bad:
            others = "|".join(c for c in _conflict_choices() if c != FAIL)
            message += f" (--on-conflict {others} chooses otherwise)"
        raise ImportRefused(message, details, InvalidInput.exit_code if bad else Conflict.exit_code)

    def summary(self) -> str:
        """``Imported 997 tasks; skipped 3 (record 17: …; record 438: …; line 9: …).``"""
        parts = [f"Imported {plural(self.imported, self.noun)}"]
        if self.replaced:
            parts.append(f"replaced {self.replaced}")
        if self.merged:
            parts.append(f"merged {self.merged}")
        if self.skipped_conflicts:
            parts.append(f"left out {self.skipped_conflicts} already there (same {self.key})")
        if self.invalid and self.policy.skip_invalid:
            named = list(self.invalid.named)
            if self.invalid.unnamed:
                named.append(f"and {self.invalid.unnamed} more")
            parts.append(f"skipped {self.invalid.count} ({'; '.join(named)})")
        return "; ".join(parts) + "."

    def close(self) -> None:
        """Erase the progress line (also when the import fails on its way)."""
        self._progress.close()


def _conflict_choices() -> tuple[str, ...]:
    """The --on-conflict values of the command being run, for the hint in the message."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        for param in ctx.command.params:
            if param.name == "on_conflict" and isinstance(param.type, click.Choice):
                return tuple(str(c) for c in param.type.choices)
    return (FAIL, SKIP)


def _where(message: str) -> str:
    """``record 17`` from ``record 17: malformed JSON``."""
    where, sep, _ = message.partition(": ")
    return where if sep and len(where) < 40 else "that point"


