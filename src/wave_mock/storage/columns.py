"""Append-only columnar storage of one tenant's events (numpy), with interned strings.

    EventTable
      cols["time"|"received"|"value"]      float64 (value NaN = None)
      cols["name"|"type"|"platform"]       small int codes  -> names / types / platforms
      cols["stream"]                       int32 codes      -> streams (-1 = no stream)
      cols["viewer"|"session"]             64-bit hashes of the viewer key and sessionId
      cols["id"], odd_ids                  event ids: the number of "evt_<12 digits>", else a dict
      cols["raw_at"|"raw_len"], bodies     body bytes: addresses in a ChunkedBlob (blob.py)
      rows [head, size)                    live rows; row r has absolute number base + r

No Python object per event: columns cost 77 bytes per event plus the body itself, and
nothing small is left behind to fragment the heap.

Viewers and sessions are told apart by their 64-bit ``hash()`` rather than by interned
codes: there can be as many of them as events, and looking each one up in a dict that big
was the largest cost of batch ingest (bench B2: 1.2 us per lookup with 1M distinct ids on
our VMs, against ~30 ns to hash a string the request just parsed). Metrics only compare
them, so hashes serve; two distinct ids share a hash with probability about n**2 / 2**65
(3 in 100 million for a full store of 1M distinct ids). Their strings are read back
from the bodies, and ``EventStore.events`` checks filters on them against the bodies.

Readers take a ``Snapshot`` under the store lock and compute without it: rows below
``size`` are never written again, eviction only moves ``head``, and growth or compaction
moves rows in place only while no snapshot shares the arrays (else into new arrays), so
a snapshot's views stay valid and untorn while writers go on.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from itertools import filterfalse, repeat
from typing import Sequence

import numpy as np
import orjson

from wave_mock.storage.blob import BlobView, ChunkedBlob
from wave_mock.events import EVENT_ID_PREFIX, Event, EventBatch, event_id, viewer_keys
from wave_mock.storage.packed import PackedBodies

# Positional construction of a named tuple without its generated ``__new__``.
_new_event = tuple.__new__

_DTYPES: dict[str, str] = {
    "time": "f8", "received": "f8", "value": "f8",
    "name": "i2", "type": "i2", "platform": "i1",
    "viewer": "i8", "session": "i8", "stream": "i4",
    "id": "i8",  # n of "evt_{n:012d}" (the ingest format), else -1 and the id is in odd_ids
    "raw_at": "i8", "raw_len": "i4",  # the body's address in ``bodies`` and its length
}
_INTERNED = ("name", "type", "platform", "stream")
_HASHED = ("viewer", "session")
_NAN = float("nan")
key_hash = hash  # what _HASHED columns store (a name, so tests can force collisions)
# Compact once this many evicted rows sit at the front (and they are at least half the rows).
_COMPACT_MIN = 4096
# Growth factor of full arrays: small, because the slack is resident memory per stored event.
_GROW = 1.25
_SMALL_ROWS = 65536  # past this, a table jumps to its reserve (see EventTable)


class Interner:
    """Dense int codes for strings; codes are never reassigned, so old snapshots stay valid.

    With ``none_code``, None maps to that code (-1 for "no stream") without taking a value.
    """

    __slots__ = ("codes", "values")

    def __init__(self, none_code: int | None = None) -> None:
        self.codes: dict[str | None, int] = {} if none_code is None else {None: none_code}
        self.values: list[str] = []

    def code(self, value: str) -> int:
        """Return the code of ``value``, assigning the next one if new."""
        code = self.codes.get(value)
        if code is None:
            code = self.codes[value] = len(self.values)
            self.values.append(value)
        return code

    def codes_of(self, values: Sequence[str | None]) -> list[int]:
        """Return the codes of ``values``, assigning new ones in order."""
        codes = self.codes
        try:
            # Usually every value is known: one C-level pass, no Python call per value.
            return list(map(codes.__getitem__, values))
        except KeyError:
            fresh = list(filterfalse(codes.__contains__, dict.fromkeys(values)))
            codes.update(zip(fresh, range(len(self.values), len(self.values) + len(fresh))))
            self.values.extend(fresh)  # type: ignore[arg-type]
            return list(map(codes.__getitem__, values))


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

    tenant: str
    cols: dict[str, np.ndarray]  # live rows only
    base: int  # absolute row number of cols[...][0]
    bodies: BlobView
    odd_ids: dict[int, str]
    strings: dict[str, list[str]]

    def __len__(self) -> int:
        return len(self.cols["time"])

    def events(self, rows: Sequence[int] | np.ndarray) -> list[Event]:
        """Rebuild the ``Event`` objects stored at absolute row numbers ``rows``."""
        return self.gather(rows).events()

    def gather(self, rows: Sequence[int] | np.ndarray) -> Gathered:
        """Copy out the columns of absolute row numbers ``rows``: cheap, so done under the
        store lock; the costly ``Gathered.events`` then runs without it, holding no view."""
        rows = np.asarray(rows, dtype="i8")
        idx = rows - self.base
        cols = {key: c[idx] for key, c in self.cols.items()}
        return Gathered(self.tenant, rows, cols, self.bodies, self.odd_ids, self.strings)


@dataclass(frozen=True, slots=True)
class Gathered:
    """Copies of some rows' columns (see ``Snapshot.gather``), in the order asked."""

    tenant: str
    rows: np.ndarray
    cols: dict[str, np.ndarray]
    bodies: BlobView
    odd_ids: dict[int, str]
    strings: dict[str, list[str]]

    def __len__(self) -> int:
        return len(self.rows)

    def page(self, start: int, stop: int) -> Gathered:
        return Gathered(self.tenant, self.rows[start:stop], {k: c[start:stop] for k, c in self.cols.items()},
                        self.bodies, self.odd_ids, self.strings)

    def events(self) -> list[Event]:
        """Rebuild the ``Event`` objects of these rows."""
        col = {key: c.tolist() for key, c in self.cols.items()}
        s, odd_ids = self.strings, self.odd_ids

        def label(key: str) -> list[str]:
            return list(map(s[key].__getitem__, col[key]))

        streams = s["stream"]
        raws = self.bodies.read(col["raw_at"], col["raw_len"])
        bodies = list(map(orjson.loads, raws))  # viewer and session are stored as hashes only
        fields = (
            [odd_ids[row] if n < 0 else event_id(n) for row, n in zip(self.rows.tolist(), col["id"])],
            repeat(self.tenant), col["time"], col["received"], label("name"), label("type"),
            [b["sessionId"] for b in bodies], viewer_keys(bodies), label("platform"),
            [None if code < 0 else streams[code] for code in col["stream"]],
            [None if v != v else v for v in col["value"]],  # NaN stands for None
            raws,
        )
        return [_new_event(Event, values) for values in zip(*fields)]


def id_number(text: str) -> int:
    """Return n when ``text`` is exactly ``event_id(n)``, else -1."""
    digits = text[4:]
    if len(text) == 16 and text.startswith(EVENT_ID_PREFIX) and digits.isascii() and digits.isdigit():
        return int(digits)
    return -1


_PREFIX_BYTES = np.frombuffer(EVENT_ID_PREFIX.encode(), np.uint8)
_DIGIT_WEIGHTS = 10 ** np.arange(11, -1, -1, dtype="i8")


def id_numbers(event_ids: Sequence[str]) -> np.ndarray:
    """Return ``id_number`` of each id, reading all-16-character ASCII ids in one numpy pass."""
    joined = "".join(event_ids)
    if len(joined) != 16 * len(event_ids) or not joined.isascii():
        return np.fromiter(map(id_number, event_ids), "i8", len(event_ids))
    chars = np.frombuffer(joined.encode(), np.uint8).reshape(-1, 16)
    digits = chars[:, 4:] - np.uint8(48)  # wraps below "0", so one comparison checks both ends
    ok = (chars[:, :4] == _PREFIX_BYTES).all(axis=1) & (digits < 10).all(axis=1)
    return np.where(ok, digits.astype("i8") @ _DIGIT_WEIGHTS, -1)


# Columns that ``stage`` fills from Python lists ("raw" is staged apart, as bytes).
_STAGED = ("time", "received", "value", *_INTERNED, *_HASHED, "id")


def _empty_staging() -> dict[str, list]:
    return {key: [] for key in _STAGED}


def _relocate(cols: dict[str, np.ndarray], key: str, lo: int, hi: int, capacity: int, fresh: bool = False) -> None:
    """Move rows [lo, hi) of ``cols[key]`` to the front of an array of ``capacity`` rows.

    In place when nothing else refers to the array (``cols`` holds one reference and
    getrefcount's argument the other; a reader's snapshot view would add one) and not
    ``fresh``, else into a new array, leaving the old one to its readers.
    """
    if fresh or sys.getrefcount(cols[key]) > 2:
        fresh = np.empty(capacity, cols[key].dtype)
        fresh[: hi - lo] = cols[key][lo:hi]
        cols[key] = fresh
        return
    if capacity > len(cols[key]):
        cols[key].resize(capacity, refcheck=False)  # realloc: the kernel moves the pages
    col = cols[key]
    # Forward, in blocks no longer than the gap, so no block overlaps its source (numpy
    # would copy an overlapping one through a temporary buffer).
    for start in range(lo, hi, lo) if lo else ():
        end = min(start + lo, hi)
        col[start - lo : end - lo] = col[start:end]
    del col
    if capacity < len(cols[key]):
        cols[key].resize(capacity, refcheck=False)


class EventTable:
    """One tenant's events as columns, oldest arrival first."""

    def __init__(self, tenant: str, reserve: int = 1024) -> None:
        """``reserve``: rows the columns jump to once they outgrow ``_SMALL_ROWS``.

        ``np.empty`` only reserves address space, and each page becomes memory when a row
        first lands in it. Growing step by step instead copies or zero-fills every column
        at once (~100 ms at a million rows, which the request that triggers it waits for).
        Small tenants never reserve.
        """
        self.tenant = tenant
        self.reserve = reserve
        self.strings = {key: Interner(-1 if key == "stream" else None) for key in _INTERNED}
        self.cols = {key: np.empty(1024, dtype) for key, dtype in _DTYPES.items()}
        self.odd_ids: dict[int, str] = {}
        self.bodies = ChunkedBlob()
        self.staged = _empty_staging()
        # Staged bodies: in the blob at these addresses, or still loose (written at commit).
        self.staged_at: list[np.ndarray] = []
        self.staged_len: list[np.ndarray] = []
        self.loose_bodies: list[bytes] = []
        self.all_ids_numbered = True  # every staged id is a number (a ``range`` from ingest)
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

    @property
    def staged_rows(self) -> int:
        """Return the number of rows staged and not yet committed."""
        return len(self.staged["time"])

    def stage(self, batch: EventBatch) -> None:
        """Queue ``batch``'s rows for the next ``commit``, interning their strings now.

        Interning while the request's strings are still in the CPU cache costs less than at
        commit, and a numpy write costs the same for one row as for thousands, so rows wait.
        """
        staged, s = self.staged, self.strings
        staged["time"].extend(batch.time)
        staged["received"].extend(batch.received)
        staged["value"].extend([_NAN if v is None else v for v in batch.value])  # fromiter takes no None
        for key in _INTERNED:
            staged[key].extend(s[key].codes_of(getattr(batch, key)))
        for key in _HASHED:
            staged[key].extend(map(key_hash, getattr(batch, key)))
        staged["id"].extend(batch.ids)
        self.all_ids_numbered &= isinstance(batch.ids, range)
        self._stage_bodies(batch.raw)

    def commit(self) -> None:
        """Write the staged rows into the columns, in order."""
        count = self.staged_rows
        if not count:
            return
        if self.size + count > len(self.cols["time"]):
            need = int(_GROW * (len(self) + count))
            if need > _SMALL_ROWS and len(self.cols["time"]) < self.reserve:
                self._rebuild(max(self.reserve, need), fresh=True)  # fresh: resizing would touch every page
            else:
                self._rebuild(max(1024, need))
        lo, hi = self.size, self.size + count
        staged, self.staged = self.staged, _empty_staging()
        for key, values in staged.items():
            if key != "id":
                # fromiter skips the shape and type discovery of assigning a list (~1/3 faster).
                self.cols[key][lo:hi] = np.fromiter(values, self.cols[key].dtype, count)
        self._append_ids(lo, staged["id"])
        self._write_loose_bodies()
        self.cols["raw_at"][lo:hi] = np.concatenate(self.staged_at)
        self.cols["raw_len"][lo:hi] = np.concatenate(self.staged_len)
        self.staged_at, self.staged_len, self.all_ids_numbered = [], [], True
        self.size = hi

    def _stage_bodies(self, bodies: Sequence[bytes]) -> None:
        """Write a batch's bodies to the blob now, in one copy, when they come packed.

        Loose bodies (single events) wait and go in together, before any later body, so
        the blob keeps arrival order (eviction frees chunks below the oldest live row).
        """
        if isinstance(bodies, PackedBodies):
            self._write_loose_bodies()
            self._staged_addresses(self.bodies.append_slices(bodies.data, bodies.starts, bodies.lengths))
        else:
            self.loose_bodies.extend(bodies)

    def _write_loose_bodies(self) -> None:
        if self.loose_bodies:
            self._staged_addresses(self.bodies.append(self.loose_bodies))
            self.loose_bodies = []

    def _staged_addresses(self, placed: tuple[np.ndarray, np.ndarray]) -> None:
        self.staged_at.append(placed[0])
        self.staged_len.append(placed[1])

    def stream_codes(self, start: int, end: int) -> np.ndarray:
        """Return the stream codes of absolute rows [start, end) (-1 for none)."""
        return self.cols["stream"][start - self.base : end - self.base]

    def _append_ids(self, lo: int, ids: list[int | str]) -> None:
        if self.all_ids_numbered:
            self.cols["id"][lo : lo + len(ids)] = ids  # the numbers already (ingest's ids)
            return
        texts = [event_id(n) if isinstance(n, int) else n for n in ids]
        numbers = id_numbers(texts)
        self.cols["id"][lo : lo + len(ids)] = numbers
        for k in np.flatnonzero(numbers < 0).tolist():
            self.odd_ids[self.base + lo + k] = texts[k]

    def _rebuild(self, capacity: int, fresh: bool = False) -> None:
        """Move the live rows to the front of arrays of ``capacity`` rows.

        In place when no snapshot shares the arrays, else into new ones (readers keep the
        old). Fresh memory costs a page fault per page, ~1.2 ms per MB on our VMs: at
        1M events, copying into new arrays faulted more than it copied.
        """
        lo, hi = self.head, self.size
        for key in self.cols:
            _relocate(self.cols, key, lo, hi, capacity, fresh)
        self.base += lo
        self.head, self.size = 0, hi - lo
        if self.odd_ids:
            # A new dict: a reader may be looking rows up in the old one.
            self.odd_ids = {row: i for row, i in self.odd_ids.items() if row >= self.base}

    def drop_oldest(self, count: int) -> np.ndarray:
        """Forget the ``count`` oldest rows; return their stream codes."""
        lo = self.head
        self.head += count
        dropped = self.cols["stream"][lo : self.head].copy()
        self.bodies.free_before(int(self.cols["raw_at"][self.head]) if self.head < self.size else self.bodies.end)
        if self.head >= _COMPACT_MIN and 2 * self.head >= self.size:
            self._rebuild(max(1024, int(_GROW * len(self))))
        return dropped

    def snapshot(self) -> Snapshot:
        """Return views of the live rows (call under the store lock)."""
        lo, hi = self.head, self.size
        return Snapshot(
            tenant=self.tenant, cols={key: col[lo:hi] for key, col in self.cols.items()},
            base=self.base + lo, bodies=self.bodies.view(), odd_ids=self.odd_ids,
            strings={key: interner.values for key, interner in self.strings.items()},
        )

    def events(self, rows: Sequence[int] | np.ndarray) -> list[Event]:
        """Rebuild the events at absolute row numbers ``rows`` (call under the store lock)."""
        return self.snapshot().events(rows)

    def lookup(self, key: str, value: str) -> int | None:
        """Return what column ``key`` stores for ``value``: its code (None if never seen), or
        its hash for the hashed columns (which other values may share: check the bodies)."""
        if key in _HASHED:
            return key_hash(value)
        return self.strings[key].codes.get(value)
