"""Layer 4: a request without a valid bearer key gets 401 and stores nothing."""

from __future__ import annotations

import pytest

from .behaviour import assert_error_body
from .kit import Api, Target, event, unique


@pytest.mark.parametrize("header", [None, "Bearer kit_unknown_key_0000", "Basic abc", "Bearer"], ids=["no_key", "unknown_key", "wrong_scheme", "empty_token"])
def test_event_without_valid_key_is_rejected_with_401_and_not_stored(api: Api, target: Target, header: str | None) -> None:
    stream = unique("str_auth")
    headers = {"Authorization": header} if header else {}
    anonymous = api.with_key(None)
    reply = anonymous.track(event("viewer.joined", unique("sess"), stream), headers=headers)
    assert_error_body(reply, 401, target.spec_path)
    stored = api.stream(stream)
    assert stored.status == 404, stored.explain(f"an event sent with {header or 'no key'} must not be stored (the stream should be unknown)")


def test_batch_without_key_is_rejected_with_401_and_not_stored(api: Api, target: Target) -> None:
    stream = unique("str_auth")
    reply = api.with_key(None).batch([event("viewer.joined", unique("sess"), stream)])
    assert_error_body(reply, 401, target.spec_path)
    assert api.stream(stream).status == 404, "a batch sent without a key must not be stored"


@pytest.mark.parametrize("path", ["/analytics/dashboards", "/analytics/stream/str_any"])
def test_reads_without_key_get_401(api: Api, target: Target, path: str) -> None:
    assert_error_body(api.with_key(None).request("GET", path), 401, target.spec_path)
