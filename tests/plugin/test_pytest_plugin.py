"""The ``wave_mock`` fixture, run in a pytester session against a real server process.

One inner session holds every case, so the plugin's one server starts once: tests that
pass, a tenant isolation check, and assertions that must fail with a useful message.
"""

from __future__ import annotations

import pytest
import requests

pytest_plugins = ["pytester"]

INNER_TESTS = r'''
import requests

NOW = "2026-11-20T12:00:00Z"


def send(mock, *events):
    answer = requests.post(f"{mock.base_url}/analytics/events/batch", json={"events": list(events)},
                           headers={"Authorization": f"Bearer {mock.api_key}"}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def ev(name, at, session="sess_1", stream="str_1", **props):
    return {"eventType": "stream", "eventName": name, "sessionId": session, "timestamp": at,
            "properties": {"streamId": stream, **props}}


def test_a_tracks_and_asserts(wave_mock):
    open("root_url.txt", "w").write(wave_mock.root_url)  # for the outer test: is the server gone after?
    assert wave_mock.base_url.endswith("/api/v1") and wave_mock.api_key.startswith("wm_")
    assert wave_mock.freeze(NOW) == NOW
    send(wave_mock, ev("stream.started", "2026-11-20T11:00:00Z", stream="str_1"),
         ev("viewer.joined", "2026-11-20T11:10:00Z", session="sess_a", quality="1080p"),
         ev("viewer.left", "2026-11-20T11:40:00Z", session="sess_a"))
    found = wave_mock.assert_tracked(eventName="viewer.joined", streamId="str_1", quality="1080p")
    assert [e["sessionId"] for e in found] == ["sess_a"]
    wave_mock.assert_tracked(eventName="viewer.joined", sessionId="sess_a", count=1)
    assert [e["eventName"] for e in wave_mock.events()] == ["stream.started", "viewer.joined", "viewer.left"]
    assert len(wave_mock.events(eventName="viewer.left", streamId="str_1")) == 1
    assert wave_mock.events(streamId="str_other") == []
    stream = wave_mock.stream("str_1", "1h")
    assert (stream["totalViewers"], stream["avgWatchTime"], stream["totalDuration"]) == (1, 1800, 3600)
    assert wave_mock.dashboard("1d")["metrics"]["totalEvents"] == 3
    assert wave_mock.advance(600) == "2026-11-20T12:10:00Z"
    assert wave_mock.stream("str_1", "1h")["totalDuration"] == 3600  # W = [11:10, 12:10], live throughout


def test_b_is_a_fresh_tenant(wave_mock):
    assert wave_mock.events() == []
    assert wave_mock.rejected() == []
    assert wave_mock.dashboard("1d")["metrics"]["totalEvents"] == 0


def test_c_rejected_lists_bad_events(wave_mock):
    answer = send(wave_mock, {"eventType": "stream", "eventName": "viewer.joined"})
    assert answer["rejected"] == 1
    (entry,) = wave_mock.rejected()
    assert entry["operation"] == "trackEventBatch"
    assert "events[0].sessionId" in {e["field"] for e in entry["errors"]}


def test_d_fails_listing_what_was_tracked(wave_mock):
    wave_mock.freeze(NOW)
    send(wave_mock, ev("viewer.joined", "2026-11-20T11:10:00Z", session="sess_x", stream="str_9"))
    wave_mock.assert_tracked(eventName="viewer.joined", streamId="str_1")


def test_e_fails_on_count(wave_mock):
    wave_mock.freeze(NOW)
    send(wave_mock, ev("viewer.joined", "2026-11-20T11:10:00Z"), ev("viewer.joined", "2026-11-20T11:11:00Z", session="s2"))
    wave_mock.assert_tracked(eventName="viewer.joined", count=1)
'''


def test_wave_mock_fixture_in_a_pytest_session(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_inner=INNER_TESTS)
    inner = pytester.runpytest("-p", "no:cacheprovider", "-v")
    out = inner.stdout.str()
    for name, outcome in [("a_tracks_and_asserts", "PASSED"), ("b_is_a_fresh_tenant", "PASSED"),
                          ("c_rejected_lists_bad_events", "PASSED"), ("d_fails_listing_what_was_tracked", "FAILED"),
                          ("e_fails_on_count", "FAILED")]:
        assert f"test_inner.py::test_{name} {outcome}" in out, (name, out[-3000:])
    inner.assert_outcomes(passed=3, failed=2)
    # The failure message names what was wanted and lists what was tracked.
    assert "wave_mock: expected eventName='viewer.joined' with streamId='str_1'; found none. Tracked 1 event(s):" in out
    assert "1. viewer.joined (sessionId='sess_x') {streamId='str_9'}" in out
    assert "found 2 (wanted 1). Tracked 2 event(s):" in out
    # The session's server is gone once the inner session ends.
    root = (pytester.path / "root_url.txt").read_text()
    assert root.startswith("http://127.0.0.1:")
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{root}/_mock/health", timeout=2)


def test_the_fixture_is_registered_by_the_entry_point(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_nothing="def test_x(): pass")
    listed = pytester.runpytest("-p", "no:cacheprovider", "--fixtures")
    listed.stdout.fnmatch_lines(["*wave_mock*", "*fresh tenant*"])
    # Negative control: with the plugin disabled, the fixture is unknown.
    pytester.makepyfile(test_uses="def test_y(wave_mock): pass")
    disabled = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:wave_mock", "test_uses.py")
    disabled.stdout.fnmatch_lines(["*fixture 'wave_mock' not found*"])
