"""The notes web UI: one HTML page and its static files, served at ``/``.

The page is a client of the REST API like any other: everything it shows
or changes goes through ``/notes`` over ``fetch``. Nothing here reads the
database, so the page (and its assets) load even when the database or the
token is missing, and then explain what is wrong.

The security headers are set on every response of the app, not only on the
page: a JSON body opened in a tab, or an error page, is then under the same
policy, and there is one place to read what the policy is.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Blueprint, Response, current_app, make_response, render_template, send_from_directory

#: No inline script or style anywhere, nothing from another origin: the page
#: loads its own modules and stylesheet and talks to its own API only.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
STATIC = Path(__file__).resolve().parent / "static"
#: A year: the longest lifetime caches honour (RFC 9111 advises no more).
IMMUTABLE_SECONDS = 365 * 24 * 3600


def _asset_version() -> str:
    """A digest of every static file: it changes whenever any of them does."""
    digest = hashlib.sha256()
    for path in sorted(STATIC.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(STATIC).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


#: Assets live under /ui/<version>/, so a browser may keep them for good and
#: still never runs an old module with a new page: an upgrade changes the
#: URL. The modules import each other by relative URL, so they stay together.
ASSET_VERSION = _asset_version()

bp = Blueprint("web", __name__, template_folder="templates")


def current_asset_version() -> str:
    # In debug mode the files may be edited while the server runs.
    return _asset_version() if current_app.debug else ASSET_VERSION


@bp.get("/")
def page() -> Response:
    response = make_response(render_template("notes.html", asset_version=current_asset_version()))
    # Always fetched afresh, so it always names the current assets.
    response.cache_control.no_cache = True
    return response


@bp.get("/ui/<version>/<path:filename>")
def asset(version: str, filename: str) -> Response:
    current = version == current_asset_version() and not current_app.debug
    # A page from before an upgrade gets today's files, but only revalidated.
    response = send_from_directory(STATIC, filename, max_age=IMMUTABLE_SECONDS if current else None)
    if current:
        response.cache_control.immutable = True
        response.cache_control.public = True
    return response


@bp.after_app_request
def security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    # Note ids and search terms in the page's URL stay on this site.
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response
