"""The committed WAVE docs parse into the examples the tests run (tests/docs_examples.py)."""

from __future__ import annotations

import pytest

from tests.docs_examples import curl, curl_body, python_example, tabs


def test_the_committed_docs_hold_every_example_the_tests_run() -> None:
    assert [label for label, _ in tabs()] == ["cURL", "TypeScript", "Python", "cURL", "cURL", "cURL"]
    for path in ("/analytics/events", "/analytics/events/batch", "/analytics/dashboards", "/analytics/stream/str_xyz789"):
        assert curl(path).startswith("curl -X ")
    assert curl_body("/analytics/events")["sessionId"] == "sess_abc123"
    assert len(curl_body("/analytics/events/batch")["events"]) == 2
    assert "client.analytics.track_event(" in python_example()


def test_an_example_missing_from_the_docs_fails_loudly() -> None:
    with pytest.raises(LookupError):
        curl("/analytics/funnels")
