"""The failures the apps report to users, with the exit status each means.

Domain code raises these; the CLI turns each into one ``Error:`` line on
stderr and its exit status: 1 when the operation failed, 2 when the input or
the usage was wrong. They carry no driver details and no passwords.
"""

from __future__ import annotations


class MinidbError(Exception):
    """An operation failed (exit status 1).

    ``details`` are lines printed after the ``Error:`` line, one each (the
    bad records of an import, say), escaped like it.
    """

    exit_code = 1
    details: tuple[str, ...] = ()


class NotFound(MinidbError):
    """One or more ids name no record."""


class Conflict(MinidbError):
    """The change would break a uniqueness rule, e.g. a duplicate e-mail."""


class InvalidInput(MinidbError):
    """Malformed input: a blank text, a bad date, a broken import file (exit status 2)."""

    exit_code = 2


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached or opened (exit status 1); the message is safe to show."""


class ReadOnlyDatabase(MinidbError):
    """A write reached a server that takes none (a standby)."""


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


_UNPRINTABLE = r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]"


def one_line(message: str) -> str:
    """The message with control characters, line breaks and lone surrogates escaped.

    Error messages quote what the user gave, which may be a hostile file's
    bytes: they must neither break the one-line rule nor fail to print.
    """
    if message.isprintable():  # none of those characters: the common case needs no re
        return message
    import re

    return re.sub(_UNPRINTABLE, lambda m: m.group().encode("unicode_escape", "backslashreplace")
                            .decode("ascii"), message)
