"""CORS, Prism-compatible Prefer, and injected latency and faults."""

from __future__ import annotations

from flask.testing import FlaskClient

from wave_mock.app import create_app
from tests.http.conftest import KEY_A, Api, event


def test_preflight_is_answered_for_every_endpoint(client: FlaskClient) -> None:
    for path in ("/api/v1/analytics/events", "/api/v1/analytics/dashboards", "/_mock/events"):
        response = client.options(path, headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"})
        assert response.status_code == 204
        assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
        assert "Authorization" in response.headers["Access-Control-Allow-Headers"]


def test_cors_headers_on_errors_too(client: FlaskClient) -> None:
    response = client.get("/api/v1/analytics/dashboards", headers={"Origin": "http://127.0.0.1:3000"})
    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:3000"


def test_no_cors_sends_no_cors_headers() -> None:
    client = create_app({"CORS": False}).test_client()
    response = client.options("/api/v1/analytics/events", headers={"Origin": "http://x", "Access-Control-Request-Method": "POST"})
    assert response.status_code == 405
    assert "Access-Control-Allow-Origin" not in response.headers


def test_prefer_code_429_returns_documented_response_with_retry_after(api: Api) -> None:
    response = api.track(event(), Prefer="code=429")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert api.stored() == 0


def test_prefer_code_401_sends_the_bearer_challenge(api: Api) -> None:
    response = api.track(event(), Prefer="code=401")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="wave"'
    assert api.stored() == 0


def test_prefer_example_picks_named_example(api: Api) -> None:
    response = api.batch([event()], Prefer="example=partlyRejected")
    assert response.status_code == 200
    assert response.get_json()["rejected"] == 1


def test_prefer_undocumented_code_returns_400(api: Api) -> None:
    response = api.client.get("/api/v1/analytics/dashboards", headers=api.headers(Prefer="code=418"))
    assert response.status_code == 400
    assert "418" in response.get_json()["error"]["message"]


def test_prefer_does_not_bypass_auth(client: FlaskClient) -> None:
    response = client.get("/api/v1/analytics/dashboards", headers={"Prefer": "code=200"})
    assert response.status_code == 401


def test_error_rate_one_fails_every_wave_request_but_not_inspection() -> None:
    client = create_app({"ERROR_RATE": 1.0, "API_KEYS": [KEY_A]}).test_client()
    api = Api(client)
    statuses = {api.track(event()).status_code for _ in range(20)}
    assert statuses == {500, 503}
    assert api.stored() == 0
    assert api.mock("GET", "stats").status_code == 200


def test_error_rate_is_reproducible_with_a_seed() -> None:
    def statuses(seed: int) -> list[int]:
        api = Api(create_app({"ERROR_RATE": 0.5, "FAULT_SEED": seed, "API_KEYS": [KEY_A]}).test_client())
        return [api.track(event()).status_code for _ in range(30)]

    assert statuses(7) == statuses(7)
    assert statuses(7) != statuses(8)
    assert 200 in statuses(7) and 503 in statuses(7) + statuses(8)


def test_latency_delays_wave_requests() -> None:
    import time

    api = Api(create_app({"LATENCY_MS": 120, "API_KEYS": [KEY_A]}).test_client())
    started = time.perf_counter()
    api.track(event())
    assert time.perf_counter() - started >= 0.12
