"""How a database URL or a driver's message is shown without its password.

A password must never reach a message, even when the URL around it is
malformed, so :func:`redact` reads the text more suspiciously than libpq
does. Kept apart from :mod:`minidb.db.urls` because its regular expressions
cost start-up time that only a message, or a PostgreSQL URL, needs.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

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
