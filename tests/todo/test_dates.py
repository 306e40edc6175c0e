"""Natural due dates: the forms --due takes, counted from a pinned today."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from minidb.errors import InvalidInput
from minidb.todo.dates import WEEKDAYS, parse_natural_date

FRIDAY = date(2026, 11, 27)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", FRIDAY),
        ("tomorrow", date(2026, 11, 28)),
        ("2026-12-01", date(2026, 12, 1)),
        ("0001-01-01", date(1, 1, 1)),
        ("+0d", FRIDAY),
        ("+1d", date(2026, 11, 28)),
        ("+10d", date(2026, 12, 7)),
        ("+1w", date(2026, 12, 4)),
        ("+2w", date(2026, 12, 11)),
        ("  Tomorrow ", date(2026, 11, 28)),
        ("TODAY", FRIDAY),
        ("+3D", date(2026, 11, 30)),
    ],
)
def test_each_form_names_the_day_it_says(text: str, expected: date) -> None:
    assert parse_natural_date(text, FRIDAY) == expected


@pytest.mark.parametrize("today", [FRIDAY + timedelta(days=n) for n in range(7)],
                         ids=lambda d: d.strftime("%a"))
@pytest.mark.parametrize("weekday", range(7), ids=lambda n: WEEKDAYS[n])
def test_a_weekday_is_the_next_such_day_after_today(today: date, weekday: int) -> None:
    full = WEEKDAYS[weekday]
    day = parse_natural_date(full, today)
    assert parse_natural_date(full[:3], today) == parse_natural_date(full.upper(), today) == day
    assert day.weekday() == weekday
    assert today < day <= today + timedelta(days=7)  # on a Friday, "friday" is a week away


def test_friday_on_a_friday_is_next_week() -> None:
    assert parse_natural_date("fri", FRIDAY) == date(2026, 12, 4)
    assert parse_natural_date("sat", FRIDAY) == date(2026, 11, 28)
    assert parse_natural_date("thursday", FRIDAY) == date(2026, 12, 3)


@pytest.mark.parametrize(
    "text", ["yesterday", "next friday", "fr", "fridays", "+1m", "+d", "-1d", "1d", "+1.5d",
             "2026-1-1", "12/01/2026", "", "   ", "now", "+ 1d", "tomorrow!"],
)
def test_anything_else_is_refused_naming_the_accepted_forms(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_natural_date(text, FRIDAY)
    message = str(refused.value)
    for form in ("YYYY-MM-DD", "today", "tomorrow", "weekday", "+Nd", "+Nw"):
        assert form in message
    assert repr(text) in message


def test_an_impossible_calendar_date_is_refused() -> None:
    with pytest.raises(InvalidInput, match="'2026-02-30' is not a real date"):
        parse_natural_date("2026-02-30", FRIDAY)


def test_an_offset_beyond_year_9999_is_refused_not_a_crash() -> None:
    with pytest.raises(InvalidInput, match="after 9999-12-31"):
        parse_natural_date("+9999999d", FRIDAY)
    with pytest.raises(InvalidInput, match="after 9999-12-31"):
        parse_natural_date("tomorrow", date(9999, 12, 31))


def test_a_nul_in_the_text_is_refused_as_text_that_cannot_be_stored() -> None:
    with pytest.raises(InvalidInput, match="NUL"):
        parse_natural_date("today\x00", FRIDAY)
