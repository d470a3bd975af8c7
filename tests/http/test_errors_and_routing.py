"""Errors are always JSON in the one shape: 401, 404, 405, never HTML."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.http.conftest import KEY_A, Api, event


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Basic a2V5", "Bearer unknown-key", f"Token {KEY_A}", f"Bearer {KEY_A} extra"],
)
def test_bad_authorization_returns_401_and_stores_nothing(api: Api, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = api.client.post("/api/v1/analytics/events", json=event(), headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert api.stored() == 0


def test_auth_is_checked_before_validation(api: Api) -> None:
    response = api.client.post("/api/v1/analytics/events", data="garbage", headers={"Content-Type": "text/plain"})
    assert response.status_code == 401


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_undeclared_method_returns_405_with_allow(client: FlaskClient, method: str) -> None:
    response = client.open("/api/v1/analytics/events", method=method)
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_unknown_path_returns_json_404_listing_endpoints(client: FlaskClient) -> None:
    response = client.get("/api/v1/nope")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert "/api/v1/analytics/" in response.get_json()["error"]["message"]


def test_unknown_stream_returns_404(api: Api) -> None:
    response = api.stream("str_never_seen")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_bad_period_and_repeated_period_return_400(api: Api) -> None:
    bad = api.dashboard(period="2d")
    repeated = api.client.get("/api/v1/analytics/dashboards?period=1d&period=7d", headers=api.headers())
    assert bad.status_code == repeated.status_code == 400
    assert repeated.get_json()["error"]["details"] == [{"field": "period", "message": "must not be repeated"}]


def test_unknown_metric_lists_valid_names(api: Api) -> None:
    response = api.dashboard(metric="bogus")
    assert response.status_code == 400
    assert "totalEvents" in response.get_json()["error"]["details"][0]["message"]


def test_over_long_stream_id_returns_400(api: Api) -> None:
    response = api.stream("s" * 300)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"][0]["field"] == "streamId"


def test_spec_is_served_as_yaml_and_json(client: FlaskClient) -> None:
    yaml_response = client.get("/api/v1/openapi.yaml")
    json_response = client.get("/api/v1/openapi.json")
    assert yaml_response.status_code == 200 and b"operationId: trackEvent" in yaml_response.data
    assert json_response.get_json()["info"]["title"] == "WAVE Analytics API"
