"""Fixtures for the metric tests."""

from __future__ import annotations

import pytest
from tests.metrics.metric_builders import Builder


@pytest.fixture
def ev() -> Builder:
    """Return a fresh event builder for tenant ``t1``."""
    return Builder()
