"""Progress on stderr for long imports and exports, only when someone is watching.

A line such as ``Importing: 45,000 contacts`` appears once an operation has
run for about a second (``MINIDB_PROGRESS_AFTER`` seconds; 0 shows it at
once) and is redrawn a few times a second, then erased when the operation
ends. When stderr is not a terminal nothing is written, and :func:`counted`
hands back the very iterable it was given, so pipes and tests pay nothing.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import IO, TypeVar

T = TypeVar("T")

_ERASE_LINE = "\r\x1b[K"
_REDRAW_EVERY = 0.2  # seconds
_CLOCK_EVERY = 64  # items between two looks at the clock


class Progress:
    """A counter redrawn on one line of a terminal, or (``shown`` False) one that only counts."""

    def __init__(self, verb: str, noun: str, stream: IO[str], shown: bool) -> None:
        self.verb, self.noun, self.stream, self.shown = verb, noun, stream, shown
        self.count = 0
        self._next_draw = time.monotonic() + _delay()
        self._until_clock = _CLOCK_EVERY
        self._drawn = False

    def advance(self, n: int = 1) -> None:
        self.count += n
        if not self.shown:
            return
        self._until_clock -= n
        if self._until_clock > 0:
            return
        self._until_clock = _CLOCK_EVERY
        now = time.monotonic()
        if now >= self._next_draw:
            self._next_draw = now + _REDRAW_EVERY
            noun = self.noun if self.count == 1 else f"{self.noun}s"
            self._write(f"{_ERASE_LINE}{self.verb}: {self.count:,} {noun}")
            self._drawn = True

    def echo(self, line: str) -> None:
        """A line of its own (a warning), above the counter."""
        self.close()
        self._write(line + "\n")

    def close(self) -> None:
        """Erase the counter, if it was drawn."""
        if self._drawn:
            self._write(_ERASE_LINE)
            self._drawn = False

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # the terminal went away: the work goes on
            pass


def progress(verb: str, noun: str, stream: IO[str] | None = None) -> Progress:
    """A counter on ``stream`` (stderr), drawn only if it is a terminal."""
    stream = sys.stderr if stream is None else stream
    return Progress(verb, noun, stream, _is_terminal(stream))


def counted(items: Iterable[T], verb: str, noun: str) -> Iterable[T]:
    """``items``, counted on stderr as they pass when stderr is a terminal; else ``items`` itself."""
    if not _is_terminal(sys.stderr):
        return items
    return _counting(items, progress(verb, noun))


def _counting(items: Iterable[T], shown: Progress) -> Iterator[T]:
    try:
        for item in items:
            yield item
            shown.advance()
    finally:
        shown.close()
        close = getattr(items, "close", None)
        if close is not None:  # a stream's read transaction ends with it
            close()


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _delay() -> float:
    try:
        return max(0.0, float(os.environ.get("MINIDB_PROGRESS_AFTER", "1")))
    except ValueError:
        return 1.0
