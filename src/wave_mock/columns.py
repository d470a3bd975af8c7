"""Append-only columnar storage of one tenant's events (numpy), with interned strings.

    EventTable
      cols["time"|"received"|"value"]      float64 (value NaN = None)
      cols["name"|"type"|"platform"]       small int codes  -> names / types / platforms
      cols["viewer"|"session"|"stream"]    int32 codes      -> viewers / sessions / streams (-1 = no stream)
      ids, raw                             event_id and body bytes, Python lists
      rows [head, size)                    live rows; row r has absolute number base + r

Readers take a ``Snapshot`` under the store lock and compute without it: rows below
``size`` are never written again, eviction only moves ``head``, and growth or compaction
swaps in new arrays, so a snapshot's views stay valid and untorn while writers go on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from wave_mock.events import Event

_DTYPES: dict[str, str] = {
    "time": "f8", "received": "f8", "value": "f8",
    "name": "i2", "type": "i2", "platform": "i1",
    "viewer": "i4", "session": "i4", "stream": "i4",
}
_INTERNED = ("name", "type", "platform", "viewer", "session", "stream")
# Compact once this many evicted rows sit at the front (and they are at least half the rows).
_COMPACT_MIN = 4096


class Interner:
    """Dense int codes for strings; codes are never reassigned, so old snapshots stay valid."""

    __slots__ = ("codes", "values")

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}
        self.values: list[str] = []

    def code(self, value: str) -> int:
        """Return the code of ``value``, assigning the next one if new."""
        code = self.codes.get(value)
        if code is None:
            code = self.codes[value] = len(self.values)
            self.values.append(value)
        return code


class Grow:
    """One append-only int64 column with amortised growth (used for per-stream row lists)."""

    __slots__ = ("data", "head", "size")

    def __init__(self) -> None:
        self.data = np.empty(8, "i8")
        self.head = 0
        self.size = 0

    def extend(self, values: Sequence[int]) -> None:
        """Append ``values``; copy into a new, larger array when full (never in place)."""
        need = self.size + len(values)
        if need > len(self.data):
            live = self.data[self.head : self.size]
            grown = np.empty(max(8, 2 * (need - self.head)), "i8")
            grown[: len(live)] = live
            self.data, self.size, self.head = grown, len(live), 0
            need = self.size + len(values)
        self.data[self.size : need] = values
        self.size = need

    def drop(self, count: int) -> None:
        """Forget the ``count`` oldest values."""
        self.head += count

    def view(self) -> np.ndarray:
        """Return the live values (a view: valid until the next growth, which copies)."""
        return self.data[self.head : self.size]

    def __len__(self) -> int:
        return self.size - self.head


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Immutable views of a table's live rows, safe to read without the lock."""

    cols: dict[str, np.ndarray]
    base: int  # absolute row number of cols[...][0]
    names: list[str]
    types: list[str]
    platforms: list[str]
    viewers: list[str]

    def __len__(self) -> int:
        return len(self.cols["time"])


class EventTable:
    """One tenant's events as columns, oldest arrival first."""

    def __init__(self, tenant: str) -> None:
        self.tenant = tenant
        self.strings = {key: Interner() for key in _INTERNED}
        self.cols = {key: np.empty(1024, dtype) for key, dtype in _DTYPES.items()}
        self.ids: list[str] = []
        self.raw: list[bytes] = []
        self.base = 0
        self.head = 0
        self.size = 0

    def __len__(self) -> int:
        return self.size - self.head

    @property
    def first_row(self) -> int:
        """Return the absolute number of the oldest live row."""
        return self.base + self.head

    @property
    def end_row(self) -> int:
        """Return the absolute number the next appended row will get."""
        return self.base + self.size

    def append(self, events: Sequence[Event]) -> np.ndarray:
        """Store ``events`` and return their stream codes (-1 for none)."""
        count = len(events)
        self._reserve(count)
        lo, hi = self.size, self.size + count
        s = self.strings
        code = {key: s[key].code for key in _INTERNED}
        cols = self.cols
        cols["time"][lo:hi] = [e.time for e in events]
        cols["received"][lo:hi] = [e.received_at for e in events]
        cols["value"][lo:hi] = [math.nan if e.value is None else e.value for e in events]
        for key, attr in (("name", "name"), ("type", "type"), ("platform", "platform"),
                          ("viewer", "viewer"), ("session", "session")):
            intern = code[key]
            cols[key][lo:hi] = [intern(getattr(e, attr)) for e in events]
        streams = [-1 if e.stream is None else code["stream"](e.stream) for e in events]
        cols["stream"][lo:hi] = streams
        self.ids.extend(e.event_id for e in events)
        self.raw.extend(e.raw for e in events)
        self.size = hi
        return cols["stream"][lo:hi]

    def _reserve(self, count: int) -> None:
        if self.size + count <= len(self.cols["time"]):
            return
        live = self.size - self.head
        capacity = max(1024, 2 * (live + count))
        self._rebuild(capacity)

    def _rebuild(self, capacity: int) -> None:
        """Copy the live rows into new arrays (readers keep the old ones)."""
        lo, hi = self.head, self.size
        fresh = {}
        for key, col in self.cols.items():
            new = np.empty(capacity, col.dtype)
            new[: hi - lo] = col[lo:hi]
            fresh[key] = new
        self.cols = fresh
        # New lists too: a reader may be indexing the old ones.
        self.ids = self.ids[lo:hi]
        self.raw = self.raw[lo:hi]
        self.base += lo
        self.head, self.size = 0, hi - lo

    def drop_oldest(self, count: int) -> np.ndarray:
        """Forget the ``count`` oldest rows; return their stream codes."""
        lo = self.head
        self.head += count
        dropped = self.cols["stream"][lo : self.head].copy()
        if self.head >= _COMPACT_MIN and 2 * self.head >= self.size:
            self._rebuild(max(1024, 2 * (self.size - self.head)))
        return dropped

    def snapshot(self) -> Snapshot:
        """Return views of the live rows (call under the store lock)."""
        lo, hi = self.head, self.size
        s = self.strings
        return Snapshot(
            cols={key: col[lo:hi] for key, col in self.cols.items()},
            base=self.base + lo,
            names=s["name"].values, types=s["type"].values, platforms=s["platform"].values,
            viewers=s["viewer"].values,
        )

    def events(self, rows: Sequence[int] | np.ndarray) -> list[Event]:
        """Rebuild the ``Event`` objects stored at absolute row numbers ``rows``."""
        idx = np.asarray(rows, dtype="i8") - self.base
        c, s = self.cols, self.strings
        col = {key: c[key][idx].tolist() for key in c}
        names, types, platforms = s["name"].values, s["type"].values, s["platform"].values
        viewers, sessions, streams = s["viewer"].values, s["session"].values, s["stream"].values
        ids, raw = self.ids, self.raw
        out = []
        for k, i in enumerate(idx.tolist()):
            value, stream = col["value"][k], col["stream"][k]
            out.append(Event(
                event_id=ids[i], tenant=self.tenant, time=col["time"][k], received_at=col["received"][k],
                name=names[col["name"][k]], type=types[col["type"][k]], session=sessions[col["session"][k]],
                viewer=viewers[col["viewer"][k]], platform=platforms[col["platform"][k]],
                stream=None if stream < 0 else streams[stream],
                value=None if value != value else value, raw=raw[i],
            ))
        return out

    def lookup(self, key: str, value: str) -> int | None:
        """Return the code of an interned ``value`` in column ``key``, None if never seen."""
        return self.strings[key].codes.get(value)
