"""Due dates as people say them: ``today``, ``fri``, ``+2w``, or ``2026-12-01``.

A pure function of the text and the day it is: the caller passes ``today``
(the command line passes the local date, so ``tomorrow`` means the user's
tomorrow whatever the server's zone), which also lets tests pin the day.
"""

from __future__ import annotations

from datetime import date, timedelta

from minidb.errors import InvalidInput
from minidb.values import DIGITS, check_text, is_iso_date_text

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: ``fri`` and ``friday`` alike: each weekday by its full name and its first three letters.
_WEEKDAY_NUMBERS = {name: number for number, full in enumerate(WEEKDAYS) for name in (full, full[:3])}
ACCEPTED = "YYYY-MM-DD, today, tomorrow, a weekday (mon or monday ... sun or sunday: the next one " \
           "after today), +Nd or +Nw (N days or weeks from today)"


def parse_natural_date(text: str, today: date) -> date:
    """The date ``text`` names, counted from ``today``; InvalidInput (exit 2) for anything else.

    - ``YYYY-MM-DD``: that date (a real one).
    - ``today``, ``tomorrow``.
    - a weekday, ``friday`` or ``fri``: the next such day *after* today
      (on a Friday, ``fri`` is a week away).
    - ``+Nd`` / ``+Nw``: N days or weeks from today (``+0d`` is today).

    Case and surrounding blanks do not matter.
    """
    word = check_text(text, "due date").strip().lower()
    days: int | None = None
    if word == "today":
        days = 0
    elif word == "tomorrow":
        days = 1
    elif word in _WEEKDAY_NUMBERS:
        days = (_WEEKDAY_NUMBERS[word] - today.weekday() - 1) % 7 + 1
    elif is_iso_date_text(word):
        try:
            return date.fromisoformat(word)
        except ValueError:
            raise InvalidInput(f"{text!r} is not a real date") from None
    elif 3 <= len(word) <= 9 and word[0] == "+" and word[-1] in "dw" and DIGITS.issuperset(word[1:-1]):
        days = int(word[1:-1]) * (7 if word[-1] == "w" else 1)  # +Nd, +Nw: up to 7 digits
    if days is None:
        raise InvalidInput(f"due date must be {ACCEPTED}; not {text!r}")
    try:
        return today + timedelta(days=days)
    except OverflowError:
        raise InvalidInput(f"due date {text!r} is after 9999-12-31") from None


def local_today() -> date:
    """Today in the local time zone (``TZ``, else the system's)."""
    return date.today()
