"""The ``wave_mock`` pytest fixture (a ``pytest11`` plugin, active once wave-mock is installed).

    def test_signup_tracks(wave_mock):
        my_service = MyService(wave_url=wave_mock.base_url, wave_key=wave_mock.api_key)
        my_service.sign_up("ada")
        wave_mock.assert_tracked(eventName="viewer.joined", streamId="str_1")

One real ``wave-mock serve`` process per test session (started on first use), and a new
API key per test: each test is its own tenant, with empty data and its own clock, so
tests never see each other's events (``POST /_mock/keys`` with the session's admin token).
Importing this module is cheap: the server starts only when a test asks for the fixture.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timezone
from typing import Any, Iterator

import pytest
import requests

# Top-level event fields that ``assert_tracked`` keywords match; any other keyword is a property.
EVENT_FIELDS = frozenset({"eventType", "sessionId", "userId", "anonymousId", "platform", "timestamp", "experiments"})
INI_ARGS = "wave_mock_args"
SHOWN = 20  # tracked events listed in a failure message


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(INI_ARGS, "Extra 'wave-mock serve' options for the wave_mock fixture's server, e.g. --ingest-lag 2", type="args", default=[])


class WaveMock:
    """One test's tenant on the session's mock: its URL, its key and assertion helpers."""

    def __init__(self, root_url: str, api_key: str) -> None:
        self.root_url = root_url
        self.base_url = f"{root_url}/api/v1"  # what a WAVE client takes as its base URL
        self.api_key = api_key
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {api_key}"

    def events(self, eventName: str | None = None, streamId: str | None = None, **filters: str) -> list[dict[str, Any]]:
        """Return the accepted events' bodies as sent, oldest first (filters: eventType, sessionId, userId, since)."""
        query = {"eventName": eventName, "streamId": streamId, **filters, "format": "ndjson"}  # ndjson: every event, oldest first
        answer = self.http.get(f"{self.root_url}/_mock/events", params={k: v for k, v in query.items() if v is not None}, timeout=30)
        _json_or_raise(answer)
        return [json.loads(line) for line in answer.text.splitlines() if line]

    def assert_tracked(self, eventName: str | None = None, *, count: int | None = None, **properties: Any) -> list[dict[str, Any]]:
        """Assert that an event with this name and these properties was accepted; return the matches.

        Keywords match ``properties.<name>``, except the event's own fields (sessionId,
        userId, platform, ...). ``count`` asks for exactly that many matches.
        """
        tracked = self.events()
        matches = [e for e in tracked if (eventName is None or e.get("eventName") == eventName) and _has(e, properties)]
        if (count is None and matches) or len(matches) == count:
            return matches
        raise AssertionError(self._not_tracked(eventName, properties, count, matches, tracked))

    def rejected(self) -> list[dict[str, Any]]:
        """Return the rejected requests and batch items, oldest first, each with its errors."""
        return list(reversed(self._get("/_mock/rejected", {"limit": 10000})["rejected"]))

    def freeze(self, now: datetime | str | float) -> str:
        """Freeze this test's clock at ``now`` (a datetime, RFC 3339 text or epoch seconds); return it."""
        return self._post("/_mock/clock", {"now": _rfc3339(now)})["now"]

    def advance(self, seconds: float) -> str:
        """Move this test's clock forward (a running clock freezes at now + seconds); return the new now."""
        return self._post("/_mock/clock", {"advance": seconds})["now"]

    def stream(self, stream_id: str, period: str = "24h") -> dict[str, Any]:
        """Return ``GET /analytics/stream/{stream_id}`` for this key."""
        return self._get(f"/api/v1/analytics/stream/{stream_id}", {"period": period})

    def dashboard(self, period: str = "7d", metric: str | None = None) -> dict[str, Any]:
        """Return ``GET /analytics/dashboards`` for this key."""
        return self._get("/api/v1/analytics/dashboards", {"period": period, **({"metric": metric} if metric else {})})

    def _get(self, path: str, params: dict[str, Any]) -> Any:
        return _json(self.http.get(self.root_url + path, params=params, timeout=30))

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        return _json(self.http.post(self.root_url + path, json=body, timeout=30))

    def _not_tracked(self, name: str | None, props: dict[str, Any], count: int | None, matches: list[Any], tracked: list[Any]) -> str:
        wanted = f"eventName={name!r}" if name else "an event"
        if props:
            wanted += " with " + ", ".join(f"{k}={v!r}" for k, v in props.items())
        found = f"found {len(matches)} (wanted {count})" if count is not None else "found none"
        lines = [f"wave_mock: expected {wanted}; {found}. Tracked {len(tracked)} event(s):"]
        lines += [f"  {n}. {_summary(e)}" for n, e in enumerate(tracked[:SHOWN], 1)]
        if len(tracked) > SHOWN:
            lines.append(f"  ... and {len(tracked) - SHOWN} more")
        rejected = self.rejected()
        if rejected:
            lines.append(f"Rejected {len(rejected)} (see wave_mock.rejected()), last: {_rejection(rejected[-1])}")
        return "\n".join(lines)


class _Session:
    """The session's server and the admin token that mints a key per test."""

    def __init__(self, extra_args: list[str]) -> None:
        from wave_mock.testing import MockServer

        self.admin_token = secrets.token_hex(16)
        seed_key = f"wm_session_{secrets.token_hex(8)}"  # the server needs one key to start
        self.server = MockServer(["--admin-token", self.admin_token, "--api-key", seed_key, "--no-access-log", *extra_args])

    def new_key(self) -> str:
        answer = requests.post(
            f"{self.server.root_url}/_mock/keys", headers={"Authorization": f"Bearer {self.admin_token}"}, timeout=30
        )
        return _json(answer)["apiKey"]


@pytest.fixture(scope="session")
def wave_mock_session(pytestconfig: pytest.Config) -> Iterator[_Session]:
    """The one ``wave-mock serve`` process of this test session (stopped at its end)."""
    session = _Session(list(pytestconfig.getini(INI_ARGS)))
    session.server.start()
    try:
        yield session
    finally:
        session.server.stop()


@pytest.fixture
def wave_mock(wave_mock_session: _Session) -> Iterator[WaveMock]:
    """A fresh tenant on the session's mock: ``base_url``, ``api_key`` and assertion helpers."""
    mock = WaveMock(wave_mock_session.server.root_url, wave_mock_session.new_key())
    yield mock
    mock.http.post(f"{mock.root_url}/_mock/reset", timeout=30)  # free its memory; the key stays unused
    mock.http.close()


def _json(answer: requests.Response) -> Any:
    _json_or_raise(answer)
    return answer.json()


def _json_or_raise(answer: requests.Response) -> None:
    """Raise with the mock's own error message when ``answer`` is not a 2xx."""
    if answer.ok:
        return
    try:
        message = answer.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        message = answer.text[:200]
    raise RuntimeError(f"wave_mock: {answer.request.method} {answer.url} -> {answer.status_code}: {message}")


def _has(event: dict[str, Any], wanted: dict[str, Any]) -> bool:
    props = event.get("properties") if isinstance(event.get("properties"), dict) else {}
    for key, value in wanted.items():
        source = event if key in EVENT_FIELDS else props
        if key not in source or source[key] != value:
            return False
    return True


def _summary(event: dict[str, Any]) -> str:
    props = event.get("properties") or {}
    shown = ", ".join(f"{k}={v!r}" for k, v in props.items()) if isinstance(props, dict) else repr(props)
    return f"{event.get('eventName')} (sessionId={event.get('sessionId')!r}) {{{shown}}}"


def _rejection(entry: dict[str, Any]) -> str:
    errors = "; ".join(f"{e.get('field') or 'body'} {e.get('message')}" for e in entry.get("errors", [])[:3])
    return f"{entry.get('operation')}: {errors}"


def _rfc3339(now: datetime | str | float) -> str:
    if isinstance(now, str):
        return now
    if isinstance(now, datetime):
        moment = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    else:
        moment = datetime.fromtimestamp(float(now), tz=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
