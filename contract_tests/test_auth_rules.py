"""Layer 4: a request without a valid bearer key is refused and stores nothing.

Documented: a 4xx, nothing stored (judged once a validly keyed control event of the same flow
is readable), reads refused. Decided: exactly 401 with the Error body.
"""

from __future__ import annotations

from .behaviour import assert_refused, assert_refused_writes_not_stored, error_checks, hold_decided
from .kit import Api, Target, event, unique
from .settle import Settler
from .tiers import documented

BAD_HEADERS = {"no_key": None, "unknown_key": "Bearer kit_unknown_key_0000", "wrong_scheme": "Basic abc", "empty_token": "Bearer"}


def test_event_without_valid_key_is_rejected_with_401_and_not_stored(api: Api, target: Target, settler: Settler) -> None:
    anonymous = api.with_key(None)
    refused = {}
    for label, header in BAD_HEADERS.items():
        stream = unique(f"str_auth_{label}")
        reply = anonymous.track(event("viewer.joined", unique("sess"), stream), headers={"Authorization": header} if header else {})
        assert_refused(reply, f"an event sent with {label} is refused")
        refused[stream] = (label, reply)
    batch_stream = unique("str_auth_batch")
    reply = anonymous.batch([event("viewer.joined", unique("sess"), batch_stream)])
    assert_refused(reply, "a batch sent without a key is refused")
    refused[batch_stream] = ("a batch without a key", reply)
    assert_refused_writes_not_stored(api, settler, {stream: f"an event sent with {label}" for stream, (label, _) in refused.items()})
    hold_decided(target, [check for _, reply in refused.values() for check in error_checks(reply, 401, target, "a write without a valid key")])


def test_reads_without_key_are_refused(api: Api, target: Target) -> None:
    own = api.dashboard()
    documented(own.status == 200, own.explain("positive control: the dashboard is served with the key"))
    anonymous = api.with_key(None)
    replies = [anonymous.request("GET", "/analytics/dashboards"), anonymous.request("GET", f"/analytics/stream/{unique('str_any')}")]
    for reply in replies:
        assert_refused(reply, "a read without a key is refused")
    hold_decided(target, [check for reply in replies for check in error_checks(reply, 401, target, "a read without a key")])
