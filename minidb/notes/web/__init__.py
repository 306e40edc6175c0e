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

from flask import Blueprint, Response, render_template

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
ASSET_URL_PATH = "/ui"

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path=ASSET_URL_PATH,
)


@bp.get("/")
def page() -> str:
    return render_template("notes.html")


@bp.after_app_request
def security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    # Note ids and search terms in the page's URL stay on this site.
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response
