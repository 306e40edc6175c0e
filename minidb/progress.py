"""Progress on stderr for long imports and exports, only when someone watches.

A line such as ``Importing: 45,000 tasks (12,300/s)`` appears once an
operation has run for about a second and is redrawn a few times a second;
it is erased when the operation ends, so the terminal keeps only the
result. When stderr is not a terminal (a pipe, a file, a test) nothing is
written at all, and :func:`counted` hands back the very iterable it was
given, so those paths pay nothing.

``MINIDB_PROGRESS_AFTER`` sets the delay in seconds (default 1): 0 shows
progress at once, which is what the test that watches it through a
pseudo-terminal uses.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import IO, TypeVar

T = TypeVar("T")

DEFAULT_DELAY = 1.0
REDRAW_EVERY = 0.2  # seconds between two redraws
_CHECK_EVERY = 64  # items between two looks at the clock: a clock read per item would show
_ERASE_LINE = "\r\x1b[K"


class Progress:
    """A counter redrawn on one terminal line; see :func:`progress`."""

    def __init__(self, verb: str, noun: str, stream: IO[str], delay: float) -> None:
        self.verb = verb
        self.noun = noun
        self.stream = stream
        self.count = 0
        self._started = time.monotonic()
        self._next_draw = self._started + delay
        self._until_check = _CHECK_EVERY
        self._drawn = False

    def advance(self, n: int = 1) -> None:
        self.count += n
        self._until_check -= n
        if self._until_check > 0:
            return
        self._until_check = _CHECK_EVERY
        now = time.monotonic()
        if now >= self._next_draw:
            self._next_draw = now + REDRAW_EVERY
            self._draw(now)

    def _draw(self, now: float) -> None:
        elapsed = now - self._started
        rate = f" ({self.count / elapsed:,.0f}/s)" if elapsed > 0 else ""
        noun = self.noun if self.count == 1 else f"{self.noun}s"
        try:
            self.stream.write(f"{_ERASE_LINE}{self.verb}: {self.count:,} {noun}{rate}")
            self.stream.flush()
            self._drawn = True
        except (OSError, ValueError):  # the terminal went away: the work goes on
            pass

    def echo(self, line: str) -> None:
        """Write a line of its own to the stream (a warning), above the counter."""
        self.close()
        self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        """Erase the line, if one was drawn."""
        if self._drawn:
            try:
                self.stream.write(_ERASE_LINE)
                self.stream.flush()
            except (OSError, ValueError):
                pass
            self._drawn = False


class _Silent:
    """What :func:`progress` gives when nobody watches: does nothing, cheaply."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.count = 0

    def advance(self, n: int = 1) -> None:
        self.count += n

    def echo(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        pass


def progress(verb: str, noun: str, stream: IO[str] | None = None) -> Progress | _Silent:
    """A progress counter on ``stream`` (stderr) if it is a terminal, else one that does nothing.

    ``verb`` and ``noun`` make the line: ``Importing: 1,200 tasks``. Call
    ``advance()`` per item and ``close()`` at the end (also on failure).
    """
    stream = sys.stderr if stream is None else stream
    if not _is_terminal(stream):
        return _Silent(stream)
    return Progress(verb, noun, stream, _delay())


def counted(items: Iterable[T], verb: str, noun: str) -> Iterator[T] | Iterable[T]:
    """``items``, counted on stderr as they pass when stderr is a terminal.

    Not a terminal: ``items`` itself, so an export into a pipe costs nothing
    more. The line is erased when the iteration ends or is abandoned.
    """
    if not _is_terminal(sys.stderr):
        return items
    shown = progress(verb, noun)
    return _counting(items, shown)


def _counting(items: Iterable[T], shown: Progress) -> Iterator[T]:
    try:
        for item in items:
            yield item
            shown.advance()
    finally:
        shown.close()
        close = getattr(items, "close", None)
        if close is not None:  # the stream's read transaction ends with it
            close()


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _delay() -> float:
    try:
        return max(0.0, float(os.environ.get("MINIDB_PROGRESS_AFTER", DEFAULT_DELAY)))
    except ValueError:
        return DEFAULT_DELAY
