"""Batch ingest has two paths: whole-batch (every item valid) and item by item. Both store the same."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from wave_mock.events import EventBatch, compact_json, make_event
from wave_mock.ingest import EventIds, Ingestor, _items_json
from wave_mock.storage.packed import compact_objects
from wave_mock.resources import spec_path
from wave_mock.spec import Spec
from wave_mock.storage.store import EventStore
from wave_mock.timeutil import parse_rfc3339

DEMO = Path(__file__).resolve().parents[1] / "fixtures" / "demo.jsonl"
BODIES = [orjson.loads(line) for line in DEMO.read_bytes().splitlines()[:1000]]
NOW = max(parse_rfc3339(b["timestamp"]) for b in BODIES) + 1.0
TENANT = "t"


def _ingestor(whole_batches: bool) -> tuple[Ingestor, list[int]]:
    """Return an ingestor, with the whole-batch path disabled if asked, and its use count."""
    ingestor = Ingestor(spec=Spec.load(spec_path()), store=EventStore(), now=lambda tenant: NOW)
    taken: list[int] = []
    build = ingestor._build_clean_batch

    def counted(*args: Any) -> EventBatch | None:
        batch = build(*args) if whole_batches else None
        taken.append(batch is not None)
        return batch

    ingestor._build_clean_batch = counted  # type: ignore[method-assign]
    return ingestor, taken


def _ingest_all(ingestor: Ingestor, bodies: list[dict[str, Any]], encoded: bool = False) -> list[dict[str, Any]]:
    """Send all but the last 7 bodies in batches of up to 100 (with the parser's encoding
    if asked, as the fast path does), then those 7 one by one."""
    head, tail = bodies[:-7], bodies[-7:]
    batches = [{"events": head[i : i + 100]} for i in range(0, len(head), 100)]
    answers = [ingestor.track_batch(TENANT, b, orjson.dumps(b) if encoded else None) for b in batches]
    return answers + [ingestor.track(TENANT, body) for body in tail]


@pytest.mark.parametrize("encoded", [False, True], ids=["encoding itself", "cut from the parser's encoding"])
def test_whole_batch_and_item_by_item_paths_store_identical_events(encoded: bool) -> None:
    fast, fast_taken = _ingestor(whole_batches=True)
    slow, _ = _ingestor(whole_batches=False)
    assert _ingest_all(fast, BODIES, encoded) == _ingest_all(slow, BODIES)
    assert all(fast_taken) and len(fast_taken) == 10
    stored = fast.store.events(TENANT, limit=10**6)
    assert stored == slow.store.events(TENANT, limit=10**6)
    assert len(stored) == len(BODIES)


def test_stored_events_equal_the_reference_builder() -> None:
    ingestor, _ = _ingestor(whole_batches=True)
    _ingest_all(ingestor, BODIES)
    stored = ingestor.store.events(TENANT, limit=10**6)[::-1]  # oldest first
    expected = [make_event(b, event_id=e.event_id, tenant=TENANT, time=parse_rfc3339(b["timestamp"]), received_at=NOW)
                for b, e in zip(BODIES, stored)]
    assert stored == expected
    assert [e.event_id for e in stored] == [f"evt_{n:012d}" for n in range(1, len(BODIES) + 1)]


@pytest.mark.parametrize("body", [
    {"events": BODIES[:3]},
    {"events": []},
    {"events": BODIES[:2], "extra": True},  # not a plain slice: the events are encoded again
    {"extra": True, "events": BODIES[:2]},
])
def test_the_events_json_cut_from_the_body_json_is_exactly_their_encoding(body: dict[str, Any]) -> None:
    cut = _items_json(body, orjson.dumps(body))
    assert cut == (orjson.dumps(body["events"]) if len(body) == 1 else None)


@pytest.mark.parametrize("spoil", [
    lambda b: b.pop("sessionId"),
    lambda b: b.update(timestamp="2000-01-01T00:00:00Z"),  # schema-valid, outside the window
    lambda b: b.update(properties={"pad": "x" * 40_000}),  # over 32 KiB
])
def test_one_bad_item_sends_the_batch_item_by_item(spoil: Any) -> None:
    ingestor, taken = _ingestor(whole_batches=True)
    items = [dict(b) for b in BODIES[:5]]
    spoil(items[2])
    answer = ingestor.track_batch(TENANT, {"events": items})
    assert taken == [False]
    assert (answer["accepted"], answer["rejected"]) == (4, 1)
    assert [e["index"] for e in answer["errors"]] == [2]


@pytest.mark.parametrize("tricky", [
    {"title": "},{"},  # the separator inside a string
    {"tracks": [{"a": 1}, {"b": 2}]},  # ... and between nested objects
    {"t": "\u00e9\u2028\U0001f3ac\\\"}"},  # escapes and non-ASCII
])
def test_compact_objects_equals_encoding_each_body(tricky: dict[str, Any]) -> None:
    bodies = [dict(b) for b in BODIES[:50]]
    assert list(compact_objects(bodies)) == [compact_json(b) for b in bodies]
    bodies[7] = {**bodies[7], "properties": tricky}
    assert list(compact_objects(bodies)) == [compact_json(b) for b in bodies]
    assert list(compact_objects(bodies[7:8])) == [compact_json(bodies[7])]


def test_taken_ids_are_consecutive_and_shared_with_single_ids() -> None:
    ids = EventIds(7)
    assert ids.next() == "evt_000000000007"
    assert ids.take(3) == range(8, 11)
    assert ids.next() == "evt_000000000011"


def test_a_batch_refuses_events_of_another_tenant() -> None:
    event = make_event(BODIES[0], event_id="evt_1", tenant="other", time=NOW, received_at=NOW)
    with pytest.raises(ValueError):
        EventBatch.of(TENANT, [event])
