"""Run an app on granian, a production WSGI server (chosen by measurement, see bench/)."""

from __future__ import annotations

import json
import os
from typing import Any

from flask import Flask

CONFIG_ENV = "WAVE_MOCK_CONFIG"


def app_from_env() -> Flask:
    """Build the app in the server's worker from the config the CLI put in the environment."""
    import logging

    from wave_mock.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    return create_app(json.loads(os.environ[CONFIG_ENV]))


def serve(config: dict[str, Any], host: str, port: int, threads: int) -> None:
    """Serve until interrupted; one worker process, because the state is in memory."""
    from granian import Granian
    from granian.constants import Interfaces

    os.environ[CONFIG_ENV] = json.dumps(config)
    Granian(
        "wave_mock.server:app_from_env",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=1,
        blocking_threads=threads,
        factory=True,
        log_access=False,
        log_level="error",
    ).serve()
