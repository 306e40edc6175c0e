"""Database URLs: which engine, where, and how to show them safely.

SQLite is ``sqlite:///relative.db`` or ``sqlite:////absolute.db``.
PostgreSQL is anything libpq takes: a ``postgresql://`` (or ``postgres://``)
URL with any of its options (several ``host:port`` pairs for a replicated
cluster, ``target_session_attrs``, ``host=/socket/dir``, ``sslmode``,
``service``...), or a keyword/value string (``host=db1,db2 dbname=todo``).
libpq itself parses them, so minidb accepts exactly what ``psql`` accepts.

A password must never reach a message, even when the URL around it is
malformed, so :func:`redact` reads the text more suspiciously than libpq
does, and a URL whose password libpq would read differently from the way
:func:`redact` hides it is refused before anything connects with it.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # not typing's: see minidb/db/engines/base.py
if TYPE_CHECKING:
    from typing import Any

CONNECT_TIMEOUT_SECONDS = 5


class InvalidURL(ValueError):
    """A database URL that names no engine minidb speaks, or no database."""


class DatabaseURL:
    """A parsed database URL.

    ``str()`` of it is the redacted form, so it is safe to put in messages.
    """

    __slots__ = ("engine", "params", "path", "shown", "url")

    def __init__(self, url: str, engine: str, path: str | None = None,
                 params: dict[str, str] | None = None, shown: str = "") -> None:
        # Set once: a DatabaseURL is a value (hashed, compared), never changed.
        set_once = super().__setattr__
        set_once("url", url)
        set_once("engine", engine)  # "sqlite" or "postgresql"
        set_once("path", path)  # the SQLite file, as given (relative or absolute)
        set_once("params", params or {})  # what libpq made of a PostgreSQL URL: keyword -> value
        set_once("shown", shown)  # redacted, if not redact(url)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"a DatabaseURL does not change (tried to set {name})")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DatabaseURL) and (other.url, other.engine, other.path) == (
            self.url, self.engine, self.path)

    def __hash__(self) -> int:
        return hash((self.url, self.engine, self.path))

    def __repr__(self) -> str:
        return f"DatabaseURL(url={str(self)!r}, engine={self.engine!r}, path={self.path!r})"

    def __str__(self) -> str:
        return self.shown or redact(self.url)

    @property
    def conninfo(self) -> str:
        """The connection string for libpq, with a connect timeout unless one is set.

        The URL itself when nothing is added, so libpq reads it as the user
        wrote it; otherwise keyword/value pairs of libpq's own reading of it.
        """
        if "connect_timeout" in self.params or os.environ.get("PGCONNECT_TIMEOUT"):
            return self.url
        from psycopg.conninfo import make_conninfo

        return make_conninfo(self.url, connect_timeout=CONNECT_TIMEOUT_SECONDS)

    def scrub(self, message: str) -> str:
        """``message`` with every password of this URL, in any spelling, as ``***``."""
        return scrub(message, self.url, self.params, userinfo=not self.shown)


def parse(url: str) -> DatabaseURL:
    """Parse a database URL; raise InvalidURL, with a password-free message, if it is none."""
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep:
        from minidb.db.redaction import _SCHEME

        if "=" in url and not _SCHEME.match(url):
            return _parse_postgresql(url, url)
        raise InvalidURL(
            f"not a database URL: {redact(url)!r} (expected sqlite:///, postgresql:// "
            "or a libpq keyword/value string)"
        )
    if scheme == "sqlite":
        if not rest.startswith("/") or rest == "/":
            raise InvalidURL(
                f"SQLite URLs look like sqlite:///relative.db or sqlite:////absolute.db, "
                f"not {redact(url)!r}"
            )
        return DatabaseURL(url, "sqlite", rest[1:])
    if scheme in ("postgresql", "postgres"):
        return _parse_postgresql(url, "postgresql://" + rest)
    raise InvalidURL(
        f"unsupported database URL scheme {scheme!r} in {redact(url)!r} "
        "(use sqlite:/// or postgresql://)"
    )


def _parse_postgresql(given: str, url: str) -> DatabaseURL:
    from urllib.parse import unquote

    from psycopg import ProgrammingError
    from psycopg.conninfo import conninfo_to_dict

    from minidb.db.redaction import _PORT_FIRST, _redact, _userinfo_password

    try:
        params = {key: str(value) for key, value in conninfo_to_dict(url).items()}
    except ProgrammingError as error:
        reason = scrub(str(error).strip().splitlines()[0], given)
        raise InvalidURL(f"not a valid PostgreSQL URL: {redact(given)!r}: {reason}") from None
    span = _userinfo_password(url)
    shown = ""
    if span and unquote(span) != params.get("password") and _PORT_FIRST.match(span) and "?" in span:
        # Not a password after all: "host:5432/db?user=me@corp".
        shown = _redact(url, userinfo=False)[0]
    elif span and unquote(span) != params.get("password") and not _PORT_FIRST.match(span):
        # libpq reads the authority differently (it stops at the first "@" or
        # "/"), so some of what is shown as *** would go to it as a host,
        # port or database name, and come back in its messages.
        raise InvalidURL(
            f"cannot read the user name and password of {redact(given)!r}: write '@', ':' "
            "and '/' in them as %40, %3A and %2F"
        )
    ports = params.get("port", "").split(",")
    hosts = params.get("host", params.get("hostaddr", "")).split(",")
    bad = [p for p in ports if p.strip() and not (p.strip().isdigit() and 0 < int(p) < 65536)]
    if bad:
        raise InvalidURL(f"bad port {scrub(bad[0], given)!r} in {redact(given)!r}")
    if len(ports) > 1 and len(ports) != len(hosts):
        raise InvalidURL(f"{len(ports)} ports for {len(hosts)} hosts in {redact(given)!r}")
    return DatabaseURL(url, "postgresql", params=params, shown=shown)


def redact(url: str) -> str:
    """Replace every password in a URL or connection string with ``***`` (see
    :func:`minidb.db.redaction.redact`)."""
    from minidb.db import redaction

    return redaction.redact(url)


def scrub(message: str, url: str, params: dict[str, Any] | None = None,
          userinfo: bool = True) -> str:
    """``message`` with the passwords of ``url`` replaced by ``***`` (see
    :func:`minidb.db.redaction.scrub`)."""
    from minidb.db import redaction

    return redaction.scrub(message, url, params, userinfo)
