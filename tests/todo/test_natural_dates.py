"""--due on add and edit takes today, tomorrow, weekdays and +Nd/+Nw, in the local zone.

The command reads the clock itself, so each expectation is computed from
the local date both before and after the command runs: the result must be
what one of them gives (the same day, except across a midnight), which no
midnight can make flaky.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta, timezone

import pytest

from minidb.todo.dates import parse_natural_date


def local_date() -> date:
    return date.today()


def due_of(run: Callable[[], dict], form: str,
           today: Callable[[], date] = local_date) -> tuple[str, set[str]]:
    """Run the command; return the due date it stored and the ones it may rightly have stored."""
    before = today()
    task = run()
    after = today()
    return task["due"], {parse_natural_date(form, day).isoformat() for day in (before, after)}


@pytest.mark.parametrize("form", ["today", "tomorrow", "fri", "friday", "Mon", "sunday", "+3d",
                                  "+0d", "+2w", "2026-12-01"])
def test_add_due_takes_the_natural_forms(todo_json, form: str) -> None:
    due, expected = due_of(lambda: todo_json("add", "task", "--due", form), form)
    assert due in expected


def test_the_forms_mean_what_they_say_relative_to_today(todo_json) -> None:
    before = local_date()
    tomorrow = todo_json("add", "a", "--due", "tomorrow")["due"]
    in_two_weeks = todo_json("add", "b", "--due", "+2w")["due"]
    friday = date.fromisoformat(todo_json("add", "c", "--due", "fri")["due"])
    if local_date() == before:  # not across a midnight: exact
        assert tomorrow == (before + timedelta(days=1)).isoformat()
        assert in_two_weeks == (before + timedelta(days=14)).isoformat()
        assert friday.weekday() == 4 and before < friday <= before + timedelta(days=7)


@pytest.mark.parametrize("form", ["tomorrow", "thu", "+1w"])
def test_edit_due_takes_the_natural_forms(todo, todo_json, form: str) -> None:
    todo("add", "task", "--due", "2020-01-01")
    due, expected = due_of(lambda: todo_json("edit", "1", "--due", form), form)
    assert due in expected
    assert todo_json("show", "1")["due"] == due


@pytest.mark.parametrize("command", [["add", "task"], ["edit", "1"]])
@pytest.mark.parametrize("form", ["yesterday", "next friday", "+1m", "1/12/2026", "soon"])
def test_anything_else_is_exit_2_naming_the_accepted_forms(todo, todo_json, command, form) -> None:
    todo("add", "existing", "--due", "2020-01-01")
    result = todo(*command, "--due", form)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "Error: due date must be YYYY-MM-DD, today, tomorrow, a weekday (mon or monday ... sun or "
        "sunday: the next one after today), +Nd or +Nw (N days or weeks from today); "
        f"not {form!r}\n")
    assert [t["due"] for t in todo_json("list")] == ["2020-01-01"]  # nothing added or changed


@pytest.fixture
def local_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Set the process's local time zone by a POSIX TZ string (no tz database needed)."""

    def use(tz: str) -> None:
        monkeypatch.setenv("TZ", tz)
        time.tzset()

    yield use
    monkeypatch.undo()
    time.tzset()


# POSIX TZ offsets are west of UTC: "XXX-14" is 14 hours ahead of UTC, "YYY+12" 12 behind.
# Between them the local date always differs (by one or two days), whatever the hour.
ZONES = {"XXX-14": timezone(timedelta(hours=14)), "YYY+12": timezone(timedelta(hours=-12))}


def test_today_is_the_local_date_not_utc_or_the_servers(todo_json, local_zone) -> None:
    stored = {}
    for tz, offset in ZONES.items():
        local_zone(tz)
        due, expected = due_of(lambda tz=tz: todo_json("add", tz, "--due", "today"), "today",
                               today=lambda offset=offset: datetime.now(offset).date())
        assert due in expected
        stored[tz] = due
    assert stored["XXX-14"] > stored["YYY+12"]
