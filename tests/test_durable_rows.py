"""A batch row round-trips, and the packed-bodies shortcut writes what the plain join writes."""

from __future__ import annotations

import orjson
import pytest

from wave_mock.storage.durable import rows
from wave_mock.events import compact_json, make_events
from wave_mock.storage.packed import PackedBodies, compact_objects

BODIES = [
    [{"eventType": "t", "eventName": "n", "sessionId": "s1"}, {"eventType": "t", "eventName": "n", "sessionId": "s2"}],
    [{"eventType": "t", "eventName": "},{", "sessionId": "tricky"}, {"eventType": "t", "eventName": "n", "sessionId": "é"}],
    [{"eventType": "t", "eventName": "n", "sessionId": "one"}],
]


def _plain(bodies: list[dict]) -> str:
    """The definition: the compact JSON of each body, joined into an array."""
    return "[" + ",".join(compact_json(b).decode() for b in bodies) + "]"


@pytest.mark.parametrize("bodies", BODIES)
def test_packed_bodies_are_stored_as_the_plain_join(bodies: list[dict]) -> None:
    for packed in (compact_objects(bodies), PackedBodies.of([compact_json(b) for b in bodies]), [compact_json(b) for b in bodies]):
        assert rows.bodies_json(packed) == _plain(bodies)
        assert orjson.loads(rows.bodies_json(packed)) == bodies


def test_a_row_decodes_to_what_was_encoded_minus_the_dropped() -> None:
    bodies = BODIES[0] + BODIES[1]
    batch = make_events(bodies, ids=range(7, 11), tenant="t_0123456789abcdef", times=[1.5, 2.5, 3.5, 4.5],
                        received=[9.0] * 4, raws=compact_objects(bodies))
    tenant, count, first_id, ids, received, times, text = rows.encode(batch)
    assert (tenant, count, first_id, ids) == ("t_0123456789abcdef", 4, 7, None)
    records = rows.decode((1, tenant, count, 1, first_id, ids, received, times, text))  # 1 dropped
    assert records.ids == ["evt_000000000008", "evt_000000000009", "evt_000000000010"]
    assert (records.times, records.received, records.bodies) == ([2.5, 3.5, 4.5], [9.0] * 3, bodies[1:])
    assert rows.highest_id((1, tenant, count, 1, first_id, ids)) == 10
