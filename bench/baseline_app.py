"""The floor: a bare Flask handler that appends the event to a list (no validation, no auth).

Served under granian (the mock's server), gunicorn gthread and waitress, so the server
choice is justified by measurement rather than by reputation.
"""

from __future__ import annotations

import sys
from typing import Any

from flask import Flask, jsonify, request


def create_app() -> Flask:
    """Return the baseline app; its event list hangs off the app, not a global."""
    app = Flask("baseline")
    events: list[Any] = []
    app.extensions["events"] = events

    @app.post("/api/v1/analytics/events")
    def track() -> Any:
        events.append(request.get_json())
        return jsonify(success=True, eventId=f"evt_{len(events)}")

    @app.get("/health")
    def health() -> Any:
        return jsonify(ok=True)

    return app


app = create_app()


def serve_granian(port: int, threads: int) -> None:
    """Serve ``app`` on granian WSGI exactly as wave_mock.server does (1 worker, N threads)."""
    from granian import Granian
    from granian.constants import Interfaces

    Granian("baseline_app:app", address="127.0.0.1", port=port, interface=Interfaces.WSGI, workers=1,
            blocking_threads=threads, log_access=False, log_level="error").serve()


if __name__ == "__main__":
    serve_granian(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 1)
