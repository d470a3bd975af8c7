"""A stored batch as one database row, and back.

One row per committed request keeps the per-event cost of durability near zero (a row
insert is a few microseconds whatever its size; bench B7). The columns are JSON text, so
``sqlite3 FILE 'SELECT json_extract(bodies, "$[0].eventName") FROM batches'`` reads them.
"""

from __future__ import annotations

from typing import Any, Sequence

import orjson

from wave_mock.storage.columns import id_number
from wave_mock.storage.durable.records import Records
from wave_mock.events import EventBatch, event_id
from wave_mock.storage.packed import PackedBodies

SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    seq INTEGER PRIMARY KEY,              -- commit order, which is the order in memory
    tenant TEXT NOT NULL,
    count INTEGER NOT NULL,               -- events in the row
    dropped INTEGER NOT NULL DEFAULT 0,   -- its oldest events evicted by --max-events
    first_id INTEGER,                     -- the ids are evt_{first_id + i:012d} ...
    ids TEXT,                             -- ... or this JSON array of id strings
    received TEXT NOT NULL,               -- JSON array: epoch seconds each event arrived
    times TEXT NOT NULL,                  -- JSON array: each event's time, epoch seconds
    bodies TEXT NOT NULL                  -- JSON array: the bodies as sent
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value);
CREATE TABLE IF NOT EXISTS skipped (seq INTEGER, item INTEGER, reason TEXT, content TEXT);
"""
COLUMNS = "seq, tenant, count, dropped, first_id, ids, received, times, bodies"
INSERT = "INSERT INTO batches (tenant, count, first_id, ids, received, times, bodies) VALUES (?, ?, ?, ?, ?, ?, ?)"
INSERT_AT = "INSERT INTO batches (seq, tenant, count, first_id, ids, received, times, bodies) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"


def encode(batch: EventBatch) -> tuple[Any, ...]:
    """Return the INSERT parameters of ``batch``."""
    ids = batch.ids
    first_id, id_list = (ids.start, None) if isinstance(ids, range) else (None, _text(list(ids)))
    return (batch.tenant, batch.size, first_id, id_list, _text(list(batch.received)), _text(list(batch.time)),
            bodies_json(batch.raw))


def encode_records(records: Records) -> tuple[Any, ...]:
    """Return the INSERT parameters of checked records (imports and repairs)."""
    return (records.tenant, len(records), None, _text(records.ids), _text(records.received), _text(records.times),
            _text(records.bodies))


def bodies_json(raws: Sequence[bytes]) -> str:
    """Return the bodies as one JSON array.

    A batch's ``PackedBodies`` from ``compact_objects`` is that array already (items
    start after "[" and are joined by ","): it is stored as it came, without a copy per body.
    """
    if isinstance(raws, PackedBodies) and len(raws) and int(raws.starts[0]) == 1 and raws.data[:1] == b"[":
        return bytes(raws.data).decode()
    return (b"[" + b",".join(raws) + b"]").decode()


def decode(row: Sequence[Any]) -> Records:
    """Return the live events of a ``batches`` row; ValueError says why the row is unusable."""
    _, tenant, count, dropped, first_id, ids, received, times, bodies = row
    if not isinstance(count, int) or not isinstance(dropped, int) or not 0 <= dropped < count:
        raise ValueError(f"count {count!r} and dropped {dropped!r} do not describe a row")
    if first_id is not None:
        if not isinstance(first_id, int) or first_id < 0:
            raise ValueError(f"first_id {first_id!r} is not a number")
        id_list = [event_id(first_id + i) for i in range(dropped, count)]
    else:
        id_list = _list(ids, count, "ids")[dropped:]
    return Records(tenant, id_list, _list(received, count, "received")[dropped:],
                   _list(times, count, "times")[dropped:], _list(bodies, count, "bodies")[dropped:])


def highest_id(row: Sequence[Any]) -> int:
    """Return the largest event number a row ever held (evicted ones included), or 0."""
    first_id, ids, count = row[4], row[5], row[2]
    if isinstance(first_id, int) and isinstance(count, int):
        return first_id + count - 1
    try:
        return max((id_number(i) for i in orjson.loads(ids) if isinstance(i, str)), default=0)
    except (orjson.JSONDecodeError, TypeError):
        return 0


def _list(text: Any, count: int, name: str) -> list[Any]:
    try:
        values = orjson.loads(text)
    except (orjson.JSONDecodeError, TypeError):
        raise ValueError(f"{name} is not JSON") from None
    if not isinstance(values, list) or len(values) != count:
        raise ValueError(f"{name} is not a JSON array of {count} items")
    return values


def _text(values: Any) -> str:
    return orjson.dumps(values).decode()
