"""The optional API token: ``NOTES_API_TOKEN``.

When it is set, every request needs ``Authorization: Bearer <token>``,
except what a browser must fetch before it can ask its user for the token
(``GET /`` and the page's static files) and ``GET /healthz``, which load
balancers probe without credentials. The token travels in a header, never
in a cookie, so a browser never attaches it on its own and there is no
cross-site request forgery to defend against.

The token is compared in constant time and never logged: neither this
module nor the problem documents it produces mention the value received.
"""

from __future__ import annotations

import hmac
import os

from flask import Flask, Response, current_app, request

from minidb.notes.problems import problem

CONFIG_KEY = "NOTES_API_TOKEN"
#: Endpoints anyone may GET (or HEAD) without the token.
OPEN_ENDPOINTS = frozenset({"notes.healthz", "web.page", "web.asset"})
_OPEN_METHODS = frozenset({"GET", "HEAD"})


def configured_token(app: Flask) -> bytes | None:
    """The token as bytes, or None when the API is open.

    An empty value means "no token", as an unset variable does: an empty
    token would be one that every client trivially knows.
    """
    token = app.config.get(CONFIG_KEY)
    return token.encode("utf-8") if token else None


def presented_token() -> bytes | None:
    """The credentials of ``Authorization: Bearer <token>`` (RFC 6750), or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    token = credentials.strip()
    # WSGI hands over header bytes decoded as Latin-1 (PEP 3333); encoding
    # back gives the bytes the client sent, so a UTF-8 token compares as sent.
    try:
        return token.encode("latin-1")
    except UnicodeEncodeError:
        return token.encode("utf-8")


def _unauthorized(invalid: bool) -> Response:
    # RFC 6750 section 3: no error code when no credentials were sent at all.
    challenge = 'Bearer realm="minidb-notes"'
    if invalid:
        challenge += ', error="invalid_token"'
        detail = "The bearer token is not the one this server expects."
    else:
        detail = "This server needs an Authorization: Bearer <token> header."
    return problem(401, detail, headers={"WWW-Authenticate": challenge})


def _check_token() -> Response | None:
    expected = configured_token(current_app)
    if expected is None:
        return None
    if request.method in _OPEN_METHODS and request.endpoint in OPEN_ENDPOINTS:
        return None
    given = presented_token()
    if given is None:
        return _unauthorized(invalid=False)
    # Constant time, so response timing does not reveal how much of a guess was right.
    if not hmac.compare_digest(given, expected):
        return _unauthorized(invalid=True)
    return None


def install_token_check(app: Flask) -> None:
    """Require the token on every request when ``NOTES_API_TOKEN`` is set.

    The value comes from the config given to create_app, else from the
    environment variable of the same name.
    """
    app.config.setdefault(CONFIG_KEY, os.environ.get(CONFIG_KEY))
    app.before_request(_check_token)
