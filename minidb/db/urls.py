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
import re
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import unquote

CONNECT_TIMEOUT_SECONDS = 5


class InvalidURL(ValueError):
    """A database URL that names no engine minidb speaks, or no database."""


@dataclass(frozen=True)
class DatabaseURL:
    """A parsed database URL.

    ``str()`` of it is the redacted form, so it is safe to put in messages.
    """

    url: str
    engine: Literal["sqlite", "postgresql"]
    path: str | None = None  # the SQLite file, as given (relative or absolute)
    # What libpq made of a PostgreSQL URL: keyword -> value.
    params: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    shown: str = field(default="", compare=False, repr=False)  # redacted, if not redact(url)

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
    from psycopg import ProgrammingError
    from psycopg.conninfo import conninfo_to_dict

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


# A scheme is only taken as one when "//" follows or it is a scheme minidb
# knows: in "alice:pw@host/db" the "alice:" is a user name, not a scheme.
_SCHEME = re.compile(r"(?i)(?:(?:postgres(?:ql)?|sqlite)\s*:/*|[a-z][a-z0-9+.-]*://+)")
_PORT_FIRST = re.compile(r"\d+(?:[,/?]|$)")
_QUERY_OPTION = re.compile(r"(?<=[?&])([^=&]*)=([^&]*)")
_DELIMITERS = re.compile(r"[/?&,:=#@\s]+")
_KEYWORD_PASSWORD = re.compile(
    r"(?:(?<=\s)|^)password\s*=\s*('(?:[^'\\]|\\.)*'?|(?:[^\s'\\]|\\.)*)")


def redact(url: str) -> str:
    """Replace every password in a URL or connection string with ``***``.

    Works on malformed text as well: whatever sits between the first ``:``
    after the scheme and the last ``@`` that follows it is taken for a
    password. That hides more than needed in odd URLs (a ``?user=me@corp``
    after a port), never less. ``password=`` options are hidden too, in URL
    queries and keyword/value strings. Everything else is shown as given.
    """
    return _redact(url)[0]


def _passwords(url: str, userinfo: bool = True) -> list[str]:
    """The passwords :func:`redact` hides in ``url``, as written there."""
    return _redact(url, userinfo)[1]


def _userinfo_bounds(url: str) -> tuple[int, int] | None:
    """Where the user-name password of ``url`` starts and ends, read suspiciously."""
    scheme = _SCHEME.match(url)
    colon = url.find(":", scheme.end() if scheme else 0)
    at = url.rfind("@")
    return (colon + 1, at) if 0 <= colon < at else None


def _userinfo_password(url: str) -> str:
    bounds = _userinfo_bounds(url)
    return url[bounds[0]:bounds[1]] if bounds else ""


def _redact(url: str, userinfo: bool = True) -> tuple[str, list[str]]:
    found: list[str] = []
    bounds = _userinfo_bounds(url) if userinfo else None
    if bounds:
        found.append(url[bounds[0]:bounds[1]])
        url = f"{url[:bounds[0]]}***{url[bounds[1]:]}"

    def hide_query_option(match: re.Match[str]) -> str:
        if unquote(match[1]).strip().lower() != "password":
            return match[0]
        found.append(match[2])
        return f"{match[1]}=***"

    def hide_keyword(match: re.Match[str]) -> str:
        value = match[1]
        found.append(value)
        if value.startswith("'"):
            found.append(value.strip("'").replace("\\'", "'").replace("\\\\", "\\"))
        return match[0][: match.start(1) - match.start(0)] + "***"

    url = _QUERY_OPTION.sub(hide_query_option, url)
    url = _KEYWORD_PASSWORD.sub(hide_keyword, url)
    return url, [p for p in found if p and p != "***"]


def scrub(message: str, url: str, params: dict[str, Any] | None = None,
          userinfo: bool = True) -> str:
    """``message`` (say, a driver's) with the passwords of ``url`` replaced by ``***``.

    ``userinfo=False`` when what sits between ``:`` and ``@`` is known not to
    be a password (see :func:`parse`).
    """
    secrets = set(_passwords(url, userinfo))
    secrets |= {unquote(s) for s in secrets}
    # A malformed URL's driver message may quote a piece of it (a "port"
    # or a query option cut out of the password): hide the pieces too.
    secrets |= {piece for s in secrets for piece in _DELIMITERS.split(s) if len(piece) >= 3}
    if params and params.get("password"):
        secrets.add(str(params["password"]))
    message = message.replace(url, _redact(url, userinfo)[0])
    for secret in sorted(secrets, key=len, reverse=True):
        message = message.replace(secret, "***")
    return message
