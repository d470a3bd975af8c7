"""Event bodies as bytes in chunks: appending never copies what is stored, and eviction
frees whole chunks.

One growing array had to be copied to grow and to compact; with 1M stored events that
copy (~200 MB) was a fifth of batch ingest time and stalled requests for ~150 ms.

The latest freed full-size chunk is kept and reused for the next one when no reader's
view still holds it.

A body's address is ``chunk number << ADDRESS_BITS | offset``. Each body lies inside one
chunk. Chunks start small (a tenant with a handful of events keeps a few KiB) and double
up to ``MAX_CHUNK``; a body bigger than that gets a chunk of its own size.

Readers take a ``BlobView`` under the store lock: the chunk list is replaced, never
changed in place, and stored bytes are never rewritten, so a view stays valid.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from wave_mock.storage.packed import PackedBodies

ADDRESS_BITS = 40  # offset bits of an address; chunk numbers take the bits above
FIRST_CHUNK = 1 << 14
MAX_CHUNK = 1 << 23  # 8 MiB: the most a full table leaves unused


@dataclass(frozen=True, slots=True)
class BlobView:
    """The chunks that were live when the view was taken."""

    chunks: tuple[np.ndarray, ...]
    first: int  # chunk number of chunks[0]

    def read(self, addresses: Sequence[int], lengths: Sequence[int]) -> list[bytes]:
        """Return the bodies stored at ``addresses``."""
        chunks, first, mask = self.chunks, self.first, (1 << ADDRESS_BITS) - 1
        return [
            chunks[(at >> ADDRESS_BITS) - first][(at & mask) : (at & mask) + n].tobytes()
            for at, n in zip(addresses, lengths)
        ]


class ChunkedBlob:
    """Append-only body storage for one table."""

    def __init__(self) -> None:
        self.chunks: tuple[np.ndarray, ...] = ()
        self.first = 0  # chunk number of chunks[0]
        self.fill = 0  # bytes used in the last chunk
        self.spare: np.ndarray | None = None  # the latest freed full-size chunk

    def view(self) -> BlobView:
        return BlobView(self.chunks, self.first)

    @property
    def end(self) -> int:
        """Return the address the next body would get if it fits in the last chunk."""
        return (self.first + len(self.chunks) - 1) << ADDRESS_BITS | self.fill if self.chunks else 0

    def append(self, bodies: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray]:
        """Store ``bodies`` in order and return their addresses and lengths."""
        packed = PackedBodies.of(bodies)
        return self.append_slices(packed.data, packed.starts, packed.lengths)

    def append_slices(self, data: bytes, starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Store the bodies ``data[starts[i] : starts[i] + lengths[i]]`` (int64 arrays, increasing).

        Each run of bodies that fits a chunk is copied with whatever lies between them, in
        one copy: a batch's bodies separated by commas cost a byte each, not a copy each.
        """
        if not len(lengths):
            return starts, lengths
        origin = int(starts[0])
        span = int(starts[-1] + lengths[-1]) - origin
        if not self.chunks and not span:
            self._open_chunk(0)  # empty bodies still need a chunk to point into
        if self.chunks and span <= len(self.chunks[-1]) - self.fill:
            # The usual case (a batch into a chunk with room): one copy, one add.
            self.chunks[-1][self.fill : self.fill + span] = np.frombuffer(data, np.uint8, span, origin)
            at = ((self.first + len(self.chunks) - 1) << ADDRESS_BITS) + self.fill - origin
            self.fill += span
            return starts + at, lengths
        return self._append_across_chunks(np.frombuffer(data, np.uint8), starts, lengths)

    def _append_across_chunks(self, buffer: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        addresses = np.empty(len(lengths), "i8")
        done = 0
        while done < len(lengths):
            origin = int(starts[done])
            ends = starts[done:] + lengths[done:] - origin  # where each body ends, from ``origin``
            room = len(self.chunks[-1]) - self.fill if self.chunks else 0
            fit = int(np.searchsorted(ends, room, "right"))
            if not fit:
                self._open_chunk(int(lengths[done]))
                continue
            size = int(ends[fit - 1])
            self.chunks[-1][self.fill : self.fill + size] = buffer[origin : origin + size]
            number = self.first + len(self.chunks) - 1
            addresses[done : done + fit] = (number << ADDRESS_BITS) + self.fill + starts[done : done + fit] - origin
            self.fill += size
            done += fit
        return addresses, lengths

    def free_before(self, address: int) -> None:
        """Drop the chunks wholly before ``address`` (the oldest live body, or ``end``)."""
        keep_from = (address >> ADDRESS_BITS) - self.first
        if keep_from > 0:
            freed = self.chunks[keep_from - 1]
            self.chunks = self.chunks[keep_from:]
            self.first += keep_from
            if len(freed) == MAX_CHUNK:
                self.spare = freed

    def _open_chunk(self, at_least: int) -> None:
        last = len(self.chunks[-1]) if self.chunks else FIRST_CHUNK // 2
        size = max(min(2 * last, MAX_CHUNK), at_least)
        self.chunks = (*self.chunks, self._new_chunk(size))
        self.fill = 0

    def _new_chunk(self, size: int) -> np.ndarray:
        """Return a chunk of ``size`` bytes: the spare freed chunk when nothing reads it.

        A full store frees a chunk for every one it opens; reusing it saves faulting in
        8 MiB of fresh pages (~10 ms on our VMs). ``spare`` holds one reference and
        getrefcount's argument another; a reader's ``BlobView`` would add one.
        """
        spare, self.spare = self.spare, None
        if spare is not None and len(spare) == size and sys.getrefcount(spare) <= 2:
            return spare
        return np.empty(size, np.uint8)
