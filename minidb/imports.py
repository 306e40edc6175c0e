"""What every ``import`` command shares: the user's policies, bad records, conflicts, the verdict.

An import reads records from a file, checks each one and stores the good
ones in one transaction. What happens to the others is the user's choice:

- A **bad record** (malformed in any way): by default nothing is imported
  and the error names every bad record (the first :data:`MAX_NAMED`, then a
  count), exit 2, so one run shows everything to fix. ``--skip-invalid``
  imports the valid ones instead, naming each skipped one on stderr.
- A **conflict**: a record whose key (a uid; for contacts also a phone or an
  e-mail) is already stored, or repeats an earlier record of the file.
  ``--on-conflict fail`` (the default) imports nothing and names every
  conflict, exit 1; ``skip`` leaves the stored record as it is; an app may
  offer a third way (contacts: ``merge``), which it carries out itself.

Records arrive in chunks, so an app looks each chunk's keys up with one
query and writes its new records in one batch: time linear in the file,
memory for one chunk. A file the reader cannot go on with (JSON broken in
the middle) ends the reading, and nothing is imported.

(A minimal version written for the contacts import while the shared one of
the imports branch was still on its way; the same names and behaviour.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, Generic, NamedTuple, TypeVar

import click

from minidb.errors import Conflict, InvalidInput, MinidbError, plural
from minidb.formats import read_csv_rows, read_json_array
from minidb.progress import progress

T = TypeVar("T")
R = TypeVar("R")

#: How many bad records or conflicts are named one by one; the rest are counted.
MAX_NAMED = 20
#: Records per chunk: one key look-up and one batch of writes each.
CHUNK_SIZE = 1000

FAIL, SKIP, REPLACE, MERGE = "fail", "skip", "replace", "merge"


def on_conflict_option(*extra: str, help: str | None = None) -> Callable[[Any], Any]:
    """``--on-conflict fail|skip|<extra>``, ``fail`` by default; the value arrives as ``on_conflict``."""
    return click.option(
        "--on-conflict", "on_conflict", type=click.Choice((FAIL, SKIP, *extra)), default=FAIL,
        show_default=True,
        help=help or "What to do with a record whose uid is already stored or repeats an earlier one: "
        "fail (import nothing, name them all) or skip it.")


def skip_invalid_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--skip-invalid``; the value arrives as ``skip_invalid``."""
    return click.option("--skip-invalid", is_flag=True,
                        help="Import the valid records and name each invalid one on stderr, "
                        "instead of importing nothing when a record is bad.")(f)


@dataclass(frozen=True)
class ImportPolicy:
    """What the user chose for bad records and conflicts."""

    on_conflict: str = FAIL
    skip_invalid: bool = False


class Item(NamedTuple, Generic[T]):
    """One record and where it is in the file: ``record 17``, ``line 4``, ``card 3 (line 20)``."""

    where: str
    value: T


#: What a reader yields: a record, or a bad record it could step over.
Candidate = Item[Any] | InvalidInput


def json_records(stream: IO[str]) -> Iterator[Candidate]:
    """The elements of a JSON array as ``record N`` items; a break in the JSON raises."""
    for index, record in enumerate(read_json_array(stream), start=1):
        yield Item(f"record {index}", record)


def csv_records(stream: IO[str], required: list[str],
                optional: tuple[str, ...] | list[str] = ()) -> Iterator[Candidate]:
    """The data rows of a CSV file as ``line N`` items; a row with the wrong number of fields
    comes as its InvalidInput; a bad header, or CSV the parser cannot go on with, raises."""
    for line, row in read_csv_rows(stream, required, optional):
        yield row if isinstance(row, InvalidInput) else Item(f"line {line}", row)


class Problems:
    """How many problems of one kind there were, and the messages of the first MAX_NAMED."""

    def __init__(self) -> None:
        self.count = 0
        self.named: list[str] = []

    def add(self, message: str) -> None:
        self.count += 1
        if len(self.named) < MAX_NAMED:
            self.named.append(message)

    def lines(self, noun: str) -> list[str]:
        more = self.count - len(self.named)
        return self.named + ([f"... and {plural(more, f'more {noun}')}"] if more else [])

    def __bool__(self) -> bool:
        return self.count > 0


class ImportRefused(MinidbError):
    """Nothing was imported; ``details`` name the bad records and conflicts, one a line."""

    def __init__(self, message: str, details: list[str], exit_code: int) -> None:
        super().__init__(message)
        self.details = tuple(details)
        self.exit_code = exit_code


class ImportRun(Generic[R]):
    """One import: the counts, the named problems, the verdict.

    ``noun`` names a record (``contact``); ``key`` says what makes two records
    one (``uid``; ``uid, phone or e-mail``). Warnings and progress go to
    ``stream`` (stderr by default).
    """

    def __init__(self, policy: ImportPolicy, noun: str, stream: IO[str] | None = None,
                 key: str = "uid") -> None:
        self.policy, self.noun, self.key = policy, noun, key
        self.imported = self.replaced = self.merged = self.skipped_conflicts = 0
        self.invalid = Problems()
        self.conflicts = Problems()
        self.unreadable: str | None = None  # why reading stopped early, if it did
        self._read = 0
        self._progress = progress("Importing", noun, stream)

    def reject(self, error: InvalidInput) -> None:
        """A bad record: named now with --skip-invalid, else in the refusal at the end."""
        self.invalid.add(str(error))
        if self.policy.skip_invalid:
            self._progress.echo(f"Skipped {error}")

    def conflict(self, message: str) -> bool:
        """A conflict; True if the record is to be left out (fail, skip), False if the app's
        own policy (merge) is to carry it out."""
        if self.policy.on_conflict == FAIL:
            self.conflicts.add(message)
            return True
        if self.policy.on_conflict == SKIP:
            self.skipped_conflicts += 1
            return True
        return False

    def warn(self, message: str) -> None:
        """Something the user should know that does not stop the record (a value kept aside)."""
        self._progress.echo(f"Warning: {message}")

    def chunks(self, candidates: Iterable[Candidate], validate: Callable[[Item[Any]], R],
               size: int = CHUNK_SIZE) -> Iterator[list[Item[R]]]:
        """The valid records in chunks of ``size``; ``validate`` makes the app's record of an item
        or raises InvalidInput naming it, and such records go to :meth:`reject`."""
        chunk: list[Item[R]] = []
        try:
            for candidate in candidates:
                self._read += 1
                self._progress.advance()
                if isinstance(candidate, InvalidInput):
                    self.reject(candidate)
                    continue
                try:
                    chunk.append(Item(candidate.where, validate(candidate)))
                except InvalidInput as error:
                    self.reject(error)
                    continue
                if len(chunk) >= size:
                    yield chunk
                    chunk = []
        except InvalidInput as error:  # from the reader: it cannot go on
            self.unreadable = str(error)
        if chunk:
            yield chunk

    def finish(self) -> None:
        """Raise if nothing may be kept (call it inside the transaction, which it then rolls back)."""
        self._progress.close()
        bad = self.invalid.count if not self.policy.skip_invalid else 0
        if not (bad or self.unreadable or self.conflicts):
            return
        if self.unreadable and not self._read and not self.conflicts:
            raise InvalidInput(self.unreadable)  # the file itself is wrong: nothing else to name
        details = self.invalid.lines("bad record") if bad else []
        if self.unreadable:
            bad += 1
            details.append(self.unreadable)
        details += self.conflicts.lines("conflict")
        found = ([plural(bad, "bad record")] if bad else []) + (
            [plural(self.conflicts.count, "conflict")] if self.conflicts else [])
        message = f"{' and '.join(found)}; nothing was imported"
        if self.unreadable:
            message += f" (the file cannot be read past {self.unreadable.partition(': ')[0]})"
        elif bad and not self.conflicts:
            message += " (--skip-invalid imports the valid ones)"
        elif not bad:
            others = "|".join(choice for choice in _conflict_choices() if choice != FAIL)
            message += f" (--on-conflict {others} chooses otherwise)"
        raise ImportRefused(message, details, InvalidInput.exit_code if bad else Conflict.exit_code)

    def summary(self) -> str:
        """``Imported 997 contacts; merged 2; skipped 3 (card 17 (line 160): …; …).``"""
        parts = [f"Imported {plural(self.imported, self.noun)}"]
        if self.replaced:
            parts.append(f"replaced {self.replaced}")
        if self.merged:
            parts.append(f"merged {self.merged}")
        if self.skipped_conflicts:
            parts.append(f"left out {self.skipped_conflicts} already there (same {self.key})")
        if self.invalid and self.policy.skip_invalid:
            named = self.invalid.named + ([f"and {self.invalid.count - len(self.invalid.named)} more"]
                                          if self.invalid.count > len(self.invalid.named) else [])
            parts.append(f"skipped {self.invalid.count} ({'; '.join(named)})")
        return "; ".join(parts) + "."

    def close(self) -> None:
        """Erase the progress line (also when the import fails on its way)."""
        self._progress.close()


def _conflict_choices() -> tuple[str, ...]:
    """The --on-conflict values of the command being run, for the hint in the message."""
    ctx = click.get_current_context(silent=True)
    for param in ctx.command.params if ctx is not None else ():
        if param.name == "on_conflict" and isinstance(param.type, click.Choice):
            return tuple(str(choice) for choice in param.type.choices)
    return (FAIL, SKIP)
