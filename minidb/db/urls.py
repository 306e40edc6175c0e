"""Database URLs: which engine, where, and how to show them safely."""

from __future__ import annotations

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
    """Replace the password of a URL with ``***`` (also a ``password=`` option)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user, colon, _password = userinfo.partition(":")
        netloc = f"{user}:***@{host}" if colon else netloc
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(k == "password" for k, _ in pairs):
            query = urlencode([(k, "***" if k == "password" else v) for k, v in pairs], safe="*/")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
