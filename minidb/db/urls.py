"""Database URLs: which engine, where, and how to show them safely."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

CONNECT_TIMEOUT_SECONDS = 5


class InvalidURL(ValueError):
    """A database URL that names no engine minidb speaks, or no database."""


@dataclass(frozen=True)
class DatabaseURL:
    """A parsed ``sqlite:///…`` or ``postgresql://…`` URL.

    ``str()`` of it is the redacted form, so it is safe to put in messages.
    """

    url: str
    engine: str  # "sqlite" or "postgresql"
    path: str | None = None  # the SQLite file, as given (relative or absolute)

    def __str__(self) -> str:
        return redact(self.url)

    @property
    def conninfo(self) -> str:
        """The URL libpq understands, with a connect timeout unless one is given."""
        parts = urlsplit(self.url)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        query.setdefault("connect_timeout", str(CONNECT_TIMEOUT_SECONDS))
        return urlunsplit(("postgresql", parts.netloc, parts.path, urlencode(query), ""))

    @property
    def yoyo_uri(self) -> str:
        """The same database as yoyo names it (``postgresql+psycopg`` is psycopg 3)."""
        if self.engine == "sqlite":
            return "sqlite:///" + quote(self.path or "", safe="/:")
        return "postgresql+psycopg" + self.conninfo[len("postgresql") :]


def parse(url: str) -> DatabaseURL:
    """Parse a database URL as SPEC §1 describes them."""
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep:
        raise InvalidURL(f"not a database URL: {redact(url)!r} (expected sqlite:/// or postgresql://)")
    if scheme == "sqlite":
        if not rest.startswith("/") or rest == "/":
            raise InvalidURL(
                f"SQLite URLs look like sqlite:///relative.db or sqlite:////absolute.db, "
                f"not {url!r}"
            )
        return DatabaseURL(url, "sqlite", rest[1:])
    if scheme in ("postgresql", "postgres"):
        return DatabaseURL("postgresql://" + rest, "postgresql")
    raise InvalidURL(
        f"unsupported database URL scheme {scheme!r} in {redact(url)!r} "
        "(use sqlite:/// or postgresql://)"
    )


def redact(url: str) -> str:
    """Replace the password of a URL with ``***`` (also a ``password=`` option).

    Edits the text in place rather than re-assembling the URL, so everything
    else (``sqlite:////abs`` included) is shown exactly as given.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, tail = rest.partition("/")
    if "@" in authority:
        userinfo, _, host = authority.rpartition("@")
        user, colon, _password = userinfo.partition(":")
        if colon:
            authority = f"{user}:***@{host}"
    tail = _PASSWORD_OPTION.sub(r"\1***", tail)
    return f"{scheme}{sep}{authority}{slash}{tail}"


_PASSWORD_OPTION = re.compile(r"([?&]password=)[^&#]*")
