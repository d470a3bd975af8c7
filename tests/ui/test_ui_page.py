"""The inspection page is served without auth, with its assets, and without inline code."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from wave_mock.app import create_app
from wave_mock.ui import asset_names

IMPORT = re.compile(r"""from\s+"\./([\w.-]+\.js)";""")


@pytest.fixture
def app() -> Flask:
    return create_app({"API_KEYS": ["k_ui"], "ACCESS_LOG": False})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.mark.parametrize("path", ["/_mock/ui", "/_mock/ui/"])
def test_page_is_html_without_auth(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "<main>" in html and 'src="/_mock/ui/app.js"' in html


def test_page_assets_are_served_with_their_types(client: FlaskClient) -> None:
    expected = {"app.js": "text/javascript", "style.css": "text/css", "index.html": "text/html"}
    for name, mimetype in expected.items():
        response = client.get(f"/_mock/ui/{name}")
        assert response.status_code == 200, name
        assert response.mimetype == mimetype
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_every_imported_module_is_served(client: FlaskClient) -> None:
    scripts = [name for name in asset_names() if name.endswith(".js")]
    imported = {m for name in scripts for m in IMPORT.findall(client.get(f"/_mock/ui/{name}").get_data(as_text=True))}
    assert imported, "app.js should import its modules"
    for name in sorted(imported):
        assert client.get(f"/_mock/ui/{name}").status_code == 200, name


def test_unknown_asset_is_a_json_404(client: FlaskClient) -> None:
    response = client.get("/_mock/ui/secrets.py")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_python_files_of_the_ui_package_are_not_served(client: FlaskClient) -> None:
    assert client.get("/_mock/ui/__init__.py").status_code == 404


def test_page_forbids_inline_and_foreign_scripts(client: FlaskClient) -> None:
    response = client.get("/_mock/ui")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    html = response.get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script> would be blocked by the CSP"
    assert "http://" not in html and "https://" not in html, "the page must work offline"


def test_inspection_api_still_needs_the_key(client: FlaskClient) -> None:
    assert client.get("/_mock/events").status_code == 401
    assert client.get("/_mock/events", headers={"Authorization": "Bearer k_ui"}).status_code == 200
