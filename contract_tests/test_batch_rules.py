"""Layer 4: batch limits, per-event validation and the counts it reports.

Documented: at most 100 events; a refused request stores nothing; `accepted`/`rejected`
add up and match what is stored. Decided: the exact status (400), the Error body, per-item
`errors`, and `success: false` for a batch with nothing accepted.
"""

from __future__ import annotations

import time

from .behaviour import assert_refused, assert_refused_writes_not_stored, error_checks, hold_decided, seeded
from .kit import Api, Target, event, unique
from .settle import Settler, has_viewers, nothing_stored
from .tiers import documented


def test_batch_of_101_events_is_rejected_with_400_and_nothing_stored(api: Api, target: Target, settler: Settler) -> None:
    over, full = unique("str_limit_101"), unique("str_limit_100")
    refused = api.batch([event("viewer.joined", unique("sess"), over) for _ in range(101)])
    assert_refused(refused, "a batch of 101 events is over the documented limit of 100")
    accepted = api.batch([event("viewer.joined", unique("sess"), full) for _ in range(100)])
    documented(accepted.status == 200 and accepted.get("accepted") == 100, accepted.explain("100 events is the limit, not over it: all accepted"))
    seen = settler.control(lambda: api.stream(full), has_viewers(100), since=time.time())
    documented(seen.ok, seen.explain("positive control: the 100 viewers of the valid batch are all stored"))
    stored = api.stream(over)
    documented(nothing_stored(stored), stored.explain("a batch over 100 events stores nothing"))
    hold_decided(target, error_checks(refused, 400, target, "a batch of 101 events"))


def test_event_missing_required_field_is_rejected_with_400(api: Api, target: Target, settler: Settler) -> None:
    refused = {}
    for missing in ("eventType", "eventName", "sessionId"):
        stream = unique("str_req")
        body = event("viewer.joined", unique("sess"), stream, userId=unique("usr"))
        del body[missing]
        reply = api.track(body)
        assert_refused(reply, f"an event without the required {missing} is refused")
        refused[stream] = (missing, reply)
    assert_refused_writes_not_stored(api, settler, {stream: f"an event without {missing}" for stream, (missing, _) in refused.items()})
    hold_decided(target, [check for _, reply in refused.values() for check in error_checks(reply, 400, target, "an event missing a required field")])


def test_mixed_batch_reports_right_counts_and_per_event_errors(api: Api, target: Target, settler: Settler) -> None:
    rng = seeded(target, "mixed_batch")
    stream = unique("str_mixed")
    valid = [event("viewer.joined", unique("sess"), stream) for _ in range(rng.randint(4, 9))]
    no_session = event("viewer.joined", "x", stream)
    del no_session["sessionId"]
    invalid = [no_session, {**event("viewer.joined", unique("sess"), stream), "eventType": 123},
               {**event("viewer.joined", unique("sess"), stream), "platform": "tv"}][:rng.randint(2, 3)]
    events = valid + invalid
    rng.shuffle(events)
    reply = api.batch(events)
    documented(reply.status == 200, reply.explain("a batch with some valid events is processed"))
    counts = (reply.get("accepted"), reply.get("rejected", len(invalid)))
    documented(counts == (len(valid), len(invalid)), reply.explain(f"accepted={len(valid)}, rejected={len(invalid)} for {len(valid)} valid and {len(invalid)} invalid events"))
    seen = settler.control(lambda: api.stream(stream), has_viewers(len(valid)), since=time.time())
    documented(seen.ok, seen.explain(f"exactly the {len(valid)} accepted events are stored ({len(valid)} viewers)"))
    expected = {i for i, e in enumerate(events) if any(e is bad for bad in invalid)}
    errors = reply.get("errors")
    listed = {e.get("index") for e in errors} if isinstance(errors, list) else set()
    paths_ok = isinstance(errors, list) and all(str(e.get("field", "")).startswith(f"events[{e.get('index')}]") for e in errors)
    hold_decided(target, [
        (reply.get("rejected") is not None, "the batch reply counts `rejected`", reply.text[:300]),
        (reply.get("success") is True, "success is true when at least one event was accepted", f"success={reply.get('success')!r}"),
        (listed == expected and paths_ok, "each rejected event is listed in `errors` with its index and an events[i].field path",
         f"errors={str(errors)[:300]}, rejected indexes {sorted(expected)}"),
    ])


def test_batch_of_only_invalid_events_reports_success_false(api: Api, target: Target) -> None:
    reply = api.batch([{"eventType": "stream"}, {"eventName": "x"}])
    documented(reply.status < 500, reply.explain("no input gets a 5xx"))
    if reply.status == 200:
        documented(reply.get("accepted") == 0 and reply.get("rejected", 2) == 2, reply.explain("nothing accepted: accepted=0, rejected=2"))
    hold_decided(target, [(reply.status == 200 and reply.get("success") is False,
                           "item errors do not fail the whole batch: HTTP 200 with success=false", f"HTTP {reply.status}: {reply.text[:200]}")])
