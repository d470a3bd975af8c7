"""The first hour with the README (issue 18, part 2), over real server processes.

``make run`` loads the demo with ``--load demo``: by default the fixture is shifted so its
"now" is the real now and the clock runs, so live events, real timestamps and the 7-day
dashboard behave; ``--load-frozen`` keeps the exact-numbers mode for tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

from wave_mock.testing import MockServer

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "fixtures" / "demo.jsonl"
SCENARIO = REPO / "fixtures" / "scenarios" / "duplicate_joins.jsonl"
DEV_KEY = "wave_dev_key"


def _instant(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Client:
    def __init__(self, server: MockServer, key: str = DEV_KEY) -> None:
        self.server = server
        self.headers = {"Authorization": f"Bearer {key}"}

    def get(self, path: str, **params: Any) -> Any:
        response = requests.get(f"{self.server.root_url}{path}", params=params, headers=self.headers, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    def track(self, body: dict[str, Any]) -> requests.Response:
        return requests.post(f"{self.server.base_url}/analytics/events", json=body, headers=self.headers, timeout=30)

    def stream(self, stream_id: str) -> dict[str, Any]:
        return self.get(f"/api/v1/analytics/stream/{stream_id}", period="1h")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[MockServer, Path]]:
    """``make run``'s mock: the packaged demo named as ``demo``, default mode."""
    log = tmp_path_factory.mktemp("demo") / "serve.log"
    with MockServer(["--load", "demo", "--no-access-log"], log_path=log) as server:
        yield server, log


def test_default_load_shifts_the_fixture_to_now_and_the_clock_runs(demo: tuple[MockServer, Path]) -> None:
    client = Client(demo[0])
    clock = client.get("/_mock/clock")
    assert clock["frozen"] is False
    assert abs(_instant(clock["now"]) - time.time()) < 30
    # The file's last line, and how long before the fixture's "now" it happened.
    last = json.loads(DEMO.read_text().splitlines()[-1])
    fixture_now = json.loads(DEMO.with_suffix(".expected.json").read_text())["now"]
    before_now = _instant(fixture_now) - _instant(last["timestamp"])
    assert round(before_now, 3) == 1.589  # 12:00:00.000Z - 11:59:58.411Z, by hand
    newest = client.get("/_mock/events", sessionId=last["sessionId"], limit=1)["events"][0]
    assert newest["event"]["eventName"] == last["eventName"]
    # Loaded at receivedAt (the real now then); its time keeps its distance to the fixture's "now".
    assert abs(_instant(newest["receivedAt"]) - _instant(newest["time"]) - 1.589) < 0.002
    assert newest["event"]["timestamp"] == newest["time"], "the body's timestamp was shifted too"


def test_live_join_then_leave_a_second_apart_is_one_closed_session(demo: tuple[MockServer, Path]) -> None:
    client = Client(demo[0])
    stream = f"str_live_{uuid.uuid4().hex[:8]}"
    joined = {"eventType": "stream", "eventName": "viewer.joined", "sessionId": "sess_live", "properties": {"streamId": stream}}
    assert client.track(joined).status_code == 200
    watching = client.stream(stream)
    assert (watching["currentViewers"], watching["peakViewers"], watching["totalViewers"]) == (1, 1, 1)
    time.sleep(1.1)
    assert client.track({**joined, "eventName": "viewer.left"}).status_code == 200
    # docs/metrics.md: the session [join, leave] is closed (current 0) and was open (peak 1).
    # A frozen clock gave current 1, peak 0: both events at one instant.
    left = client.stream(stream)
    assert (left["currentViewers"], left["peakViewers"], left["totalViewers"]) == (0, 1, 1)


def test_an_event_stamped_with_the_real_now_is_accepted(demo: tuple[MockServer, Path]) -> None:
    client = Client(demo[0])
    body = {"eventType": "page", "eventName": "page.viewed", "sessionId": "sess_stamped"}
    now = datetime.now(timezone.utc)
    accepted = client.track({**body, "timestamp": _rfc3339(now)})
    assert accepted.status_code == 200, accepted.text
    # Positive control: the time window is enforced, against the real now.
    assert client.track({**body, "timestamp": _rfc3339(now + timedelta(hours=2))}).status_code == 409


def test_the_7d_dashboard_shows_the_demo_even_after_delete_clock(demo: tuple[MockServer, Path]) -> None:
    client = Client(demo[0])
    requests.delete(f"{demo[0].root_url}/_mock/clock", headers=client.headers, timeout=30).raise_for_status()
    metrics = client.get("/api/v1/analytics/dashboards", period="7d")["metrics"]
    lines = sum(1 for line in DEMO.read_text().splitlines() if line.strip())
    assert lines == 3962
    assert metrics["totalEvents"] >= lines  # the demo, plus what the other tests sent live
    assert metrics["streamsStarted"] == 4  # demo.jsonl starts 4 streams; no test here starts one


def test_banner_names_the_mode_the_key_and_the_ui_link_with_its_key(demo: tuple[MockServer, Path]) -> None:
    server, log = demo
    banner = log.read_text()
    assert f"UI:          {server.root_url}/_mock/ui?apiKey={DEV_KEY}\n" in banner
    assert f"Seeding:     3962 events for key {DEV_KEY}; shifted so the fixture's \"now\" is now; the clock runs" in banner


@pytest.fixture(scope="module")
def frozen_for_second_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[MockServer, Path]]:
    log = tmp_path_factory.mktemp("frozen") / "serve.log"
    args = ["--api-key", "key_one", "--api-key", "key_two", "--load-key", "key_two", "--load-frozen",
            "--load", str(SCENARIO), "--no-access-log"]
    with MockServer(args, log_path=log) as server:
        yield server, log


def test_load_frozen_with_load_key_seeds_that_key_at_the_fixtures_now(frozen_for_second_key: tuple[MockServer, Path]) -> None:
    server, log = frozen_for_second_key
    expected = json.loads(SCENARIO.with_suffix(".expected.json").read_text())
    lines = sum(1 for line in SCENARIO.read_text().splitlines() if line.strip())
    second, first = Client(server, "key_two"), Client(server, "key_one")
    assert second.get("/_mock/clock") == {"now": expected["now"], "frozen": True}
    assert second.get("/_mock/stats")["accepted"] == lines
    for stream_id, periods in expected["streams"].items():
        for period, numbers in periods.items():
            assert second.get(f"/api/v1/analytics/stream/{stream_id}", period=period) == numbers
    assert first.get("/_mock/stats")["accepted"] == 0, "only --load-key's tenant is seeded"
    assert first.get("/_mock/clock")["frozen"] is False
    banner = log.read_text()
    assert f"UI:          {server.root_url}/_mock/ui?apiKey=key_two\n" in banner
    assert f"Seeding:     {lines} events for key key_two; clock frozen at the fixture's \"now\"" in banner


def _serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wave_mock", "serve", "--port", "0", *args],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_a_line_that_is_not_json_stops_serve_with_one_line_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    good = '{"eventType":"page","eventName":"page.viewed","sessionId":"s1","timestamp":"2025-01-01T00:00:00Z"}'
    bad.write_text(f"{good}\n\n{{not json\n{good}\n")
    result = _serve("--load", str(bad))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"{bad}:3: not JSON" in lines[0]


def test_an_unknown_fixture_name_lists_the_packaged_ones() -> None:
    result = _serve("--load", "no_such_fixture")
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "no_such_fixture: no such file, nor a packaged fixture" in result.stderr
    assert "demo" in result.stderr and "scenarios/restart" in result.stderr


def test_load_key_must_be_an_accepted_key() -> None:
    result = _serve("--api-key", "a", "--load", "demo", "--load-key", "b")
    assert result.returncode == 2
    assert "--load-key must be one of the --api-key values" in result.stderr


def test_banner_shows_latency_error_rate_lag_rate_limit_and_data_file(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    data = tmp_path / "events.db"
    args = ["--latency", "7", "--error-rate", "0.25", "--fault-seed", "3", "--ingest-lag", "2",
            "--rate-limit", "50", "--data-file", str(data), "--no-access-log"]
    with MockServer(args, log_path=log):
        banner = log.read_text()
    assert "  Latency:     +7 ms on every /api/v1 request\n" in banner
    assert "  Error rate:  0.25 of /api/v1 requests fail with 500 or 503 (--fault-seed 3)\n" in banner
    assert "  Ingest lag:  2 s" in banner
    assert "  Rate limit:  50 requests/s" in banner
    assert f"  Data file:   {data} " in banner
    assert "Seeding" not in banner


def test_plain_banner_shows_none_of_the_optional_settings(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with MockServer(["--no-access-log"], log_path=log) as server:
        banner = log.read_text()
    assert f"UI:          {server.root_url}/_mock/ui?apiKey={DEV_KEY}\n" in banner  # positive control
    for label in ("Latency:", "Error rate:", "Ingest lag:", "Rate limit:", "Data file:", "Seeding:"):
        assert label not in banner


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_root_gives_api_clients_json_links_and_browsers_a_page_of_them(demo: tuple[MockServer, Path]) -> None:
    root = demo[0].root_url
    as_json = requests.get(f"{root}/", timeout=30)  # requests sends Accept: */*, like curl
    assert as_json.status_code == 200 and as_json.headers["Content-Type"] == "application/json"
    links = as_json.json()["links"]
    assert links["ui"] == f"/_mock/ui?apiKey={DEV_KEY}"
    assert links["spec"] == "/api/v1/openapi.yaml"
    page = requests.get(f"{root}/", headers={"Accept": BROWSER_ACCEPT}, timeout=30)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert f'href="/_mock/ui?apiKey={DEV_KEY}"' in page.text and 'href="/api/v1/openapi.yaml"' in page.text
    for path in (links["ui"], links["spec"], links["specJson"]):
        assert requests.get(f"{root}{path}", timeout=30).status_code == 200, path


def test_root_never_shows_a_key_the_user_chose(frozen_for_second_key: tuple[MockServer, Path]) -> None:
    links = requests.get(f"{frozen_for_second_key[0].root_url}/", timeout=30).json()["links"]
    assert links["ui"] == "/_mock/ui"


def test_streams_lists_every_stream_not_only_those_in_the_latest_events(demo: tuple[MockServer, Path]) -> None:
    client = Client(demo[0])
    bodies = [json.loads(line) for line in DEMO.read_text().splitlines() if line.strip()]
    per_stream: dict[str, int] = {}
    for body in bodies:
        stream_id = (body.get("properties") or {}).get("streamId")
        if stream_id:
            per_stream[stream_id] = per_stream.get(stream_id, 0) + 1
    in_latest_200 = {(b.get("properties") or {}).get("streamId") for b in bodies[-200:]} - {None}
    assert len(per_stream) == 4 and len(in_latest_200) == 2  # what the page's feed alone used to offer
    listed = {s["streamId"]: s["events"] for s in client.get("/_mock/streams")["streams"]}
    # The other tests of this module may add their own live stream; the demo's four are all there.
    assert {k: v for k, v in listed.items() if not k.startswith("str_live_")} == per_stream
    assert list(listed) == sorted(listed)


def test_prefer_401_carries_the_bearer_challenge_like_a_real_401(demo: tuple[MockServer, Path]) -> None:
    client = Client(demo[0])
    url = f"{demo[0].base_url}/analytics/dashboards"
    real = requests.get(url, timeout=30)  # no key: the real 401
    preferred = requests.get(url, headers={**client.headers, "Prefer": "code=401"}, timeout=30)
    assert real.status_code == preferred.status_code == 401
    assert real.headers["WWW-Authenticate"] == preferred.headers["WWW-Authenticate"] == 'Bearer realm="wave"'
    control = requests.get(url, headers={**client.headers, "Prefer": "code=200"}, timeout=30)
    assert control.status_code == 200 and "WWW-Authenticate" not in control.headers
