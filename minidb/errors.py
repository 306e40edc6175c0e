"""The failures the apps report to users, with the exit status each means.

Domain code raises these; the CLI turns them into one ``Error:`` line and
the exit status of SPEC §2. They carry no driver details and no passwords.
"""

from __future__ import annotations


class MinidbError(Exception):
    """An operation failed (exit status 1)."""

    exit_code = 1


class NotFound(MinidbError):
    """One or more ids name no record."""


class Conflict(MinidbError):
    """The change would break a uniqueness rule, e.g. a duplicate e-mail."""


class InvalidInput(MinidbError):
    """Malformed input: a blank text, a bad date, a broken import file (exit status 2)."""

    exit_code = 2


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
