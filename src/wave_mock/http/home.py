"""``GET /``: where to go next, as JSON for API clients and as a page of links for a browser.

A new user who opens the printed URL in a browser lands here; an API client that calls
the root gets the same links as JSON (the default, so ``curl`` and scripts keep getting JSON).
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, request

from wave_mock.auth import DEFAULT_DEV_KEY
from wave_mock.http.helpers import json_response
from wave_mock.state import state

home = Blueprint("home", __name__)

# No script, no style: the page is links only, so it can forbid everything else.
CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"


def links() -> dict[str, str]:
    """Return the mock's entry points, relative to its root.

    The UI link carries the key only when it is the public default key: the page needs no
    auth, so it must never reveal a key the user chose.
    """
    ui = "/_mock/ui"
    if DEFAULT_DEV_KEY in state().keys.secrets:
        ui += "?" + urlencode({"apiKey": DEFAULT_DEV_KEY})
    return {
        "api": "/api/v1",
        "ui": ui,
        "spec": "/api/v1/openapi.yaml",
        "specJson": "/api/v1/openapi.json",
        "inspection": "/_mock/events",
        "health": "/_mock/health",
    }


@home.get("/", endpoint="home")
def index() -> Response:
    """Serve the links: HTML when the client prefers it (a browser), JSON otherwise."""
    found = links()
    if request.accept_mimetypes.best_match(["application/json", "text/html"]) != "text/html":
        return json_response({"service": "wave-mock", "links": found}, headers={"Vary": "Accept"})
    return _page(found)


def _page(found: dict[str, str]) -> Response:
    labels = {
        "ui": "Inspection page",
        "spec": "OpenAPI spec (YAML)",
        "specJson": "OpenAPI spec (JSON)",
        "inspection": "Events received (JSON)",
        "health": "Health",
    }
    items = "".join(f'<li><a href="{escape(found[name])}">{label}</a></li>' for name, label in labels.items())
    body = (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>wave-mock</title></head><body>"
        "<h1>wave-mock</h1><p>A local fake of the WAVE Analytics API; point your app at "
        f"<code>{escape(request.host_url)}api/v1</code>.</p><ul>{items}</ul></body></html>"
    )
    response = Response(body, mimetype="text/html")
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Vary"] = "Accept"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(home)
