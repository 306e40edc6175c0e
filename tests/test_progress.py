"""Progress on stderr: drawn on a terminal (a pseudo-terminal here), absent elsewhere."""

from __future__ import annotations

import io
import os
import pty

import pytest

from minidb import progress as progress_module
from minidb.progress import counted, progress
from tests.harness.terminal import read_until_closed


@pytest.fixture
def terminal():
    """A text stream on the slave side of a pseudo-terminal, and a reader of what it showed."""
    master, slave = pty.openpty()
    stream = open(slave, "w", encoding="utf-8", closefd=True)  # noqa: SIM115 - closed below

    def shown() -> str:
        stream.close()
        return read_until_closed(master).decode()

    yield stream, shown
    if not stream.closed:
        stream.close()
    os.close(master)


def test_on_a_terminal_the_count_is_drawn_then_erased(terminal, monkeypatch) -> None:
    stream, shown = terminal
    monkeypatch.setenv("MINIDB_PROGRESS_AFTER", "0")
    counter = progress("Importing", "task", stream)
    for _ in range(5000):
        counter.advance()
    counter.close()
    text = shown()
    assert "\rImporting: 64 tasks" in text.replace("\x1b[K", "")
    assert text.endswith("\r\x1b[K")  # erased: the terminal keeps only the result


def test_nothing_is_drawn_before_the_delay(terminal, monkeypatch) -> None:
    stream, shown = terminal
    monkeypatch.setenv("MINIDB_PROGRESS_AFTER", "3600")
    counter = progress("Importing", "task", stream)
    for _ in range(5000):
        counter.advance()
    counter.close()
    assert shown() == ""


def test_a_warning_goes_on_a_line_of_its_own_above_the_counter(terminal, monkeypatch) -> None:
    stream, shown = terminal
    monkeypatch.setenv("MINIDB_PROGRESS_AFTER", "0")
    counter = progress("Importing", "task", stream)
    for _ in range(100):
        counter.advance()
    counter.echo("Skipped record 7: bad")
    counter.close()
    assert "\r\x1b[KSkipped record 7: bad\r\n" in shown()  # the tty turns \n into \r\n


def test_not_a_terminal_nothing_is_written_and_the_items_pass_untouched(monkeypatch) -> None:
    monkeypatch.setenv("MINIDB_PROGRESS_AFTER", "0")
    pipe = io.StringIO()
    counter = progress("Exporting", "task", pipe)
    for _ in range(5000):
        counter.advance()
    counter.close()
    assert pipe.getvalue() == ""
    items = iter(range(3))
    assert counted(items, "Exporting", "task") is items  # not even a wrapper


def test_counted_on_a_terminal_passes_every_item_and_closes_the_source(monkeypatch) -> None:
    monkeypatch.setenv("MINIDB_PROGRESS_AFTER", "0")
    master, slave = pty.openpty()
    with open(slave, "w", encoding="utf-8") as tty:
        monkeypatch.setattr(progress_module.sys, "stderr", tty)
        closed = []

        def source():
            try:
                yield from range(1000)
            finally:
                closed.append(True)

        assert list(counted(source(), "Exporting", "task")) == list(range(1000))
        assert closed == [True]
    assert "Exporting: " in read_until_closed(master).decode()
    os.close(master)
