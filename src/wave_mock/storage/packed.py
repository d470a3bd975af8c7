"""A batch's event bodies as one buffer: how batch ingest encodes them and the blob stores them."""

from __future__ import annotations

from typing import Any, Sequence, overload

import numpy as np
import orjson

from wave_mock.events import compact_json


class PackedBodies(Sequence[bytes]):
    """Bodies as slices of one buffer, so a batch's bodies reach storage in one copy.

    Item ``i`` is ``data[starts[i] : starts[i] + lengths[i]]`` (int64 arrays, increasing);
    what lies between items (a comma, say) is not part of any of them.
    """

    __slots__ = ("data", "starts", "lengths")

    def __init__(self, data: bytes, starts: np.ndarray, lengths: np.ndarray) -> None:
        self.data, self.starts, self.lengths = data, starts, lengths

    @classmethod
    def of(cls, bodies: Sequence[bytes]) -> "PackedBodies":
        """Pack separate bodies back to back."""
        lengths = np.fromiter(map(len, bodies), np.int64, len(bodies))
        return cls(b"".join(bodies), np.cumsum(lengths) - lengths, lengths)

    def longest(self) -> int:
        return int(self.lengths.max()) if len(self.lengths) else 0

    def __len__(self) -> int:
        return len(self.lengths)

    @overload
    def __getitem__(self, index: int) -> bytes: ...
    @overload
    def __getitem__(self, index: slice) -> list[bytes]: ...
    def __getitem__(self, index: int | slice) -> bytes | list[bytes]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        start = int(self.starts[index])
        return self.data[start : start + int(self.lengths[index])]


_OPEN, _COMMA, _CLOSE = b"{,}"


def compact_objects(bodies: list[dict[str, Any]], encoded: bytes | None = None) -> PackedBodies:
    """Return ``compact_json`` of each body, encoding the whole list at once when possible.

    One encode of a 100-event list costs about half of 100 encodes, and the bodies stay
    where the encoder put them. Items are separated by ``},{``, found with numpy (a third
    of the cost of ``bytes.split``); when their count matches, no ``},{`` occurs anywhere
    else, so the cut is exact. Otherwise each body is encoded alone.

    ``encoded`` is ``orjson.dumps(bodies)`` when the caller already has it.
    """
    if encoded is None:
        encoded = orjson.dumps(bodies)
    text = np.frombuffer(encoded, np.uint8)
    cuts = np.flatnonzero((text[:-2] == _CLOSE) & (text[1:-1] == _COMMA) & (text[2:] == _OPEN))
    if len(cuts) != len(bodies) - 1:  # also true for no bodies (0 cuts, -1 expected)
        return PackedBodies.of(list(map(compact_json, bodies)))
    starts = np.empty(len(bodies), np.int64)
    starts[0], starts[1:] = 1, cuts + 2  # item 0 starts after "["; each next one after a "},"
    ends = np.empty(len(bodies), np.int64)
    ends[:-1], ends[-1] = cuts + 1, len(encoded) - 1  # each item ends with its "}"
    return PackedBodies(encoded, starts, ends - starts)
