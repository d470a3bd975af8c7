"""Fixtures for the realism switches: an app whose real-time ticks the test moves by hand."""

from __future__ import annotations

from typing import Any, Callable

import pytest
from flask import Flask

from wave_mock.app import create_app
from wave_mock.clock import Clock
from wave_mock.timeutil import parse_rfc3339

NOW = "2026-11-20T12:00:00Z"
KEY_A = "key-tenant-a"
KEY_B = "key-tenant-b"


class Ticks:
    """A hand-moved real-seconds source (``Clock.ticks``)."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value

    def wait(self, seconds: float) -> None:
        self.value += seconds


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


@pytest.fixture
def clock(ticks: Ticks) -> Clock:
    """A mock clock frozen at NOW whose real ticks only move when the test says so."""
    frozen = Clock(ticks=ticks)
    frozen.freeze(parse_rfc3339(NOW))
    return frozen


@pytest.fixture
def make_app(clock: Clock) -> Callable[..., Flask]:
    def make(**config: Any) -> Flask:
        return create_app({"API_KEYS": [KEY_A, KEY_B], "CLOCK": clock, **config})

    return make


def event(name: str = "viewer.joined", session: str = "sess_1", stream: str = "str_1", **extra: Any) -> dict[str, Any]:
    """Build a valid event body on ``stream``."""
    return {"eventType": "stream", "eventName": name, "sessionId": session, "properties": {"streamId": stream}, **extra}


def auth(key: str = KEY_A) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
