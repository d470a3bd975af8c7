"""wave-mock: a stateful fake of the WAVE Analytics API, a contract-test kit and a fixture generator."""

from __future__ import annotations

__version__ = "0.1.0"
