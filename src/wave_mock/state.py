"""Everything one app instance owns, hung off ``app.extensions``; no globals."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from wave_mock.auth import KeyRing
from wave_mock.http.browser import CorsPolicy
from wave_mock.http.exchanges import ExchangeLog
from wave_mock.clock import TenantClocks
from wave_mock.http.faults import Faults
from wave_mock.ingest import Ingestor
from wave_mock.realism import RateLimiter
from wave_mock.spec import Spec
from wave_mock.storage.store import EventStore

EXTENSION = "wave_mock"


@dataclass
class MockState:
    spec: Spec
    admin_spec: Spec
    store: EventStore
    clocks: TenantClocks
    keys: KeyRing
    ingestor: Ingestor
    faults: Faults
    cors: CorsPolicy | None  # None: no CORS headers (--no-cors)
    limiter: RateLimiter | None = None  # mock-only --rate-limit
    exchanges: ExchangeLog | None = None  # recent WAVE exchanges for ?format=har (None: --exchanges 0)

    def close(self) -> None:
        """Let go of the data file (its lock, so another app may open it)."""
        if self.ingestor.data is not None:
            self.ingestor.data.close()


def state() -> MockState:
    """Return the state of the app handling the current request."""
    return current_app.extensions[EXTENSION]


def attach(app: Flask, mock_state: MockState) -> None:
    app.extensions[EXTENSION] = mock_state
