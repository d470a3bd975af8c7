"""The inspection page at /_mock/ui: static HTML, CSS and ES modules, no build step.

The page itself needs no auth (it holds no data); its scripts call the inspection
and WAVE APIs with the key the user gives it.
"""

from __future__ import annotations

from importlib import resources

from flask import Blueprint, Flask, Response

from wave_mock.errors import NotFound

ui = Blueprint("ui", __name__, url_prefix="/_mock/ui")

# Explicit types: some systems' mime tables map .js to text/plain, which browsers
# refuse for ES modules.
ASSET_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}
# The page talks to its own origin only; with no inline script or style, injected
# markup could not run even if escaping failed somewhere.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def asset_names() -> list[str]:
    """Return the file names the page is made of."""
    folder = resources.files(__name__)
    return sorted(
        entry.name for entry in folder.iterdir() if entry.is_file() and _suffix(entry.name) in ASSET_TYPES
    )


def _suffix(name: str) -> str:
    return name[name.rfind(".") :] if "." in name else ""


def _asset_response(name: str) -> Response:
    if name not in asset_names():
        raise NotFound(f"No UI asset {name!r}; the page is at /_mock/ui.")
    body = resources.files(__name__).joinpath(name).read_bytes()
    response = Response(body, mimetype=ASSET_TYPES[_suffix(name)])
    # A dev tool that changes with the package: always revalidate instead of caching stale JS.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = CSP
    return response


@ui.get("", endpoint="ui")
@ui.get("/", endpoint="ui_slash")
def page() -> Response:
    """Serve the page."""
    return _asset_response("index.html")


@ui.get("/<name>", endpoint="asset")
def asset(name: str) -> Response:
    """Serve one of the page's static files."""
    return _asset_response(name)


def init_app(app: Flask) -> None:
    app.register_blueprint(ui)
