"""The SDK-shaped client: request shapes, typed errors, and the docs' example against the mock."""

from __future__ import annotations

import threading
from typing import Any, Iterator

import orjson
import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.docs_examples import DOCS, python_example
from wave_mock.client import (
    AuthenticationError,
    NotFoundError,
    PayloadTooLargeError,
    RateLimitError,
    ServerError,
    UnsupportedMediaTypeError,
    ValidationError,
    WaveAPIError,
    WaveClient,
    WaveConnectionError,
)


class Recorder:
    """A stub server on a socket: records requests, answers with ``reply``."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.reply: tuple[int, bytes, dict[str, str]] = (200, b'{"success": true}', {})

    @Request.application
    def app(self, request: Request) -> Response:
        self.requests.append({"method": request.method, "path": request.path, "raw": request.environ.get("RAW_URI"), "args": dict(request.args),
                              "auth": request.headers.get("Authorization"), "body": request.get_data()})
        status, body, headers = self.reply
        return Response(body, status, headers=headers, content_type="application/json")


@pytest.fixture
def server() -> Iterator[tuple[Recorder, WaveClient]]:
    recorder = Recorder()
    httpd = make_server("127.0.0.1", 0, recorder.app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    client = WaveClient(api_key="key-1", base_url=f"http://127.0.0.1:{httpd.server_port}/api/v1")
    yield recorder, client
    client.close()
    httpd.shutdown()


def _error(status: int, code: str) -> bytes:
    return orjson.dumps({"error": {"status": status, "code": code, "message": "nope",
                                   "details": [{"field": "sessionId", "message": "is required"}]}})


def test_track_event_sends_only_given_fields_with_bearer_auth(server: tuple[Recorder, WaveClient]) -> None:
    recorder, client = server
    result = client.analytics.track_event(event_type="stream", event_name="stream.started",
                                           session_id="s1", properties={"streamId": "x"}, platform="web")
    sent = recorder.requests[0]
    assert result == {"success": True}
    assert (sent["method"], sent["path"], sent["auth"]) == ("POST", "/api/v1/analytics/events", "Bearer key-1")
    assert orjson.loads(sent["body"]) == {"eventType": "stream", "eventName": "stream.started",
                                          "sessionId": "s1", "properties": {"streamId": "x"}, "platform": "web"}


def test_stream_id_is_url_quoted(server: tuple[Recorder, WaveClient]) -> None:
    recorder, client = server
    client.analytics.get_stream_analytics("a/b c", period="1h")
    assert recorder.requests[0]["raw"] == "/api/v1/analytics/stream/a%2Fb%20c?period=1h"
    assert recorder.requests[0]["args"] == {"period": "1h"}


def test_dashboard_omits_unset_query_parameters(server: tuple[Recorder, WaveClient]) -> None:
    recorder, client = server
    client.analytics.get_dashboard_metrics(metric="totalEvents")
    assert recorder.requests[0]["args"] == {"metric": "totalEvents"}


@pytest.mark.parametrize(("status", "cls"), [
    (400, ValidationError), (401, AuthenticationError), (404, NotFoundError), (413, PayloadTooLargeError),
    (415, UnsupportedMediaTypeError), (429, RateLimitError), (500, ServerError), (503, ServerError),
    (409, WaveAPIError),
])
def test_error_status_maps_to_typed_error(server: tuple[Recorder, WaveClient], status: int, cls: type) -> None:
    recorder, client = server
    recorder.reply = (status, _error(status, "some_code"), {"Retry-After": "7"} if status == 429 else {})
    with pytest.raises(cls) as info:
        client.analytics.track_event_batch(events=[{"eventType": "a"}])
    err = info.value
    assert type(err) is cls
    assert (err.status, err.code, err.message) == (status, "some_code", "nope")
    assert err.details == [{"field": "sessionId", "message": "is required"}]
    assert err.retry_after == (7.0 if status == 429 else None)


def test_non_json_error_body_still_gives_typed_error(server: tuple[Recorder, WaveClient]) -> None:
    recorder, client = server
    recorder.reply = (502, b"<html>bad gateway</html>", {})
    with pytest.raises(ServerError) as info:
        client.analytics.get_dashboard_metrics()
    assert info.value.status == 502 and info.value.code == "http_error"


def test_connection_refused_is_a_connection_error() -> None:
    client = WaveClient(api_key="k", base_url="http://127.0.0.1:9/api/v1", timeout=2)
    with pytest.raises(WaveConnectionError):
        client.analytics.get_dashboard_metrics()


def test_docs_python_example_runs_against_the_mock(capsys: pytest.CaptureFixture[str]) -> None:
    """The docs' Python example (read from the committed docs), verbatim except for the
    import and ``base_url``, against the real mock on a socket."""
    from wave_mock.app import create_app
    from wave_mock.auth import DEFAULT_DEV_KEY

    httpd = make_server("127.0.0.1", 0, create_app({"API_KEYS": ["your-api-key", DEFAULT_DEV_KEY]}), threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        base_url = f"http://127.0.0.1:{httpd.server_port}/api/v1"
        swaps = {"from wave_sdk import WaveClient": "from wave_mock.client import WaveClient",
                 'WaveClient(api_key="your-api-key")': f'WaveClient(api_key="your-api-key", base_url="{base_url}")'}
        code = python_example()
        for docs, local in swaps.items():
            assert code.count(docs) == 1, f"the docs' Python example changed: {docs!r} not found in\n{code}"
            code = code.replace(docs, local)
        namespace: dict[str, Any] = {}
        exec(compile(code, str(DOCS), "exec"), namespace)  # noqa: S102 - the docs' own example
        result, client = namespace["result"], namespace["client"]
        assert result["success"] is True and result["eventId"]
        assert capsys.readouterr().out.strip() == repr(result)  # the example's print(result)
        stream = client.analytics.get_stream_analytics("str_xyz789")
        assert stream["streamId"] == "str_xyz789" and stream["isLive"] is True
        with pytest.raises(ValidationError):
            client.analytics.track_event(event_type="stream", event_name="", session_id="s")
    finally:
        httpd.shutdown()
