"""The request-log judges flag what they should, on hand-made logs."""

from __future__ import annotations

from tests.targets.traffic import Request, admin_writes, ignored_back_offs


def _r(t: float, status: int = 200, key: int | None = 0, retry: float | None = None, method: str = "GET", path: str = "/api/v1/analytics/dashboards") -> Request:
    return Request(t, t + 0.01, method, path, key, status, retry)


def test_a_client_that_waits_retry_after_is_fine() -> None:
    assert ignored_back_offs([_r(0.0, 429, retry=1), _r(1.0), _r(1.1, 503, retry=2), _r(3.05)]) == []
    assert ignored_back_offs([_r(0.0, 429, retry=1), _r(0.9)]) == [], "within the slack for timer jitter"


def test_a_client_that_sends_again_too_soon_is_flagged() -> None:
    problems = ignored_back_offs([_r(0.0, 429, retry=1), _r(0.3)])
    assert len(problems) == 1 and "Retry-After 1" in problems[0] and "0.29 s later" in problems[0]


def test_back_off_is_judged_per_key() -> None:
    other_key_meanwhile = [_r(0.0, 429, key=0, retry=1), _r(0.1, key=1), _r(0.2, key=None, status=401), _r(1.0, key=0)]
    assert ignored_back_offs(other_key_meanwhile) == []


def test_admin_writes_are_writes_under_mock() -> None:
    log = [_r(0, method="GET", path="/_mock/clock"), _r(1, method="POST", path="/_mock/reset"), _r(2, method="POST", path="/api/v1/analytics/events")]
    assert [r.path for r in admin_writes(log)] == ["/_mock/reset"]
