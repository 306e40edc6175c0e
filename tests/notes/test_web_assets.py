"""How the web page and its assets are served: versioned asset URLs cached for
good, the page itself always fetched afresh, nothing outside the static folder."""

from __future__ import annotations

import re

import pytest

from minidb.notes import web
from minidb.notes.web import ASSET_VERSION


def asset_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/[^"]*)"', html)


def test_the_page_is_always_revalidated(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "no-cache" in response.headers["Cache-Control"]


def test_every_asset_the_page_names_is_served_and_cached_for_good(client):
    urls = asset_urls(client.get("/").get_data(as_text=True))
    assert urls, "the page names no assets"
    for url in urls:
        assert url.startswith(f"/ui/{ASSET_VERSION}/"), url
        response = client.get(url)
        assert response.status_code == 200, url
        cache = response.cache_control
        assert cache.max_age == 365 * 24 * 3600 and cache.immutable and cache.public, url
    types = {url.rsplit(".", 1)[1]: client.get(url).mimetype for url in urls}
    assert types == {"svg": "image/svg+xml", "css": "text/css", "js": "text/javascript"}


def test_an_old_version_gets_todays_file_revalidated_not_cached(client):
    response = client.get("/ui/0123456789ab/app.js")
    assert response.status_code == 200
    assert response.get_data() == client.get(f"/ui/{ASSET_VERSION}/app.js").get_data()
    assert not response.cache_control.immutable
    assert response.cache_control.max_age is None


@pytest.mark.parametrize(
    "path",
    [
        f"/ui/{ASSET_VERSION}/../__init__.py",
        f"/ui/{ASSET_VERSION}/%2e%2e/__init__.py",
        f"/ui/{ASSET_VERSION}/..%2f__init__.py",
        f"/ui/{ASSET_VERSION}/../templates/notes.html",
        f"/ui/{ASSET_VERSION}//etc/passwd",
        f"/ui/{ASSET_VERSION}/",
        f"/ui/{ASSET_VERSION}/nope.js",
    ],
)
def test_nothing_outside_the_static_folder_is_served(client, path):
    response = client.get(path, follow_redirects=True)  # werkzeug merges "//" with a 308 first
    assert response.status_code == 404, path
    assert response.mimetype == "application/problem+json"


def test_the_version_changes_when_any_asset_changes(tmp_path, monkeypatch):
    (tmp_path / "app.js").write_text("export const a = 1;\n")
    (tmp_path / "notes.css").write_text("body {}\n")
    monkeypatch.setattr(web, "STATIC", tmp_path)
    before = web._asset_version()
    assert web._asset_version() == before  # stable
    (tmp_path / "notes.css").write_text("body { margin: 0 }\n")
    assert web._asset_version() != before


def test_in_debug_mode_assets_are_revalidated_so_edits_show_at_once(app):
    app.debug = True
    client = app.test_client()
    url = asset_urls(client.get("/").get_data(as_text=True))[0]
    response = client.get(url)
    assert response.status_code == 200
    assert not response.cache_control.immutable
