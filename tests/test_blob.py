"""Chunked body storage: round trips across chunk boundaries, big bodies, freeing, old views."""

from __future__ import annotations

import random
import weakref

from wave_mock.storage.blob import ADDRESS_BITS, FIRST_CHUNK, MAX_CHUNK, ChunkedBlob


def _bodies(rng: random.Random, count: int, biggest: int) -> list[bytes]:
    return [bytes([rng.randrange(256)]) * rng.randrange(1, biggest) for _ in range(count)]


def test_bodies_round_trip_across_many_chunks() -> None:
    rng, blob, stored = random.Random(5), ChunkedBlob(), []
    for _ in range(40):
        bodies = _bodies(rng, rng.randrange(1, 300), 5000)
        addresses, lengths = blob.append(bodies)
        stored += zip(bodies, addresses.tolist(), lengths.tolist())
    assert len(blob.chunks) > 5  # the test crossed chunk boundaries
    assert blob.view().read([a for _, a, _ in stored], [n for _, _, n in stored]) == [b for b, _, _ in stored]


def test_chunks_start_small_and_double_up_to_the_cap() -> None:
    blob = ChunkedBlob()
    for _ in range(26):  # 26 MB in 1,000-byte bodies: past 16 KiB + 32 KiB + ... + 8 MiB, into the cap
        blob.append([b"x" * 1_000] * 1_000)
    sizes = [len(c) for c in blob.chunks]
    kib = 1024
    doubling = [16 * kib, 32 * kib, 64 * kib, 128 * kib, 256 * kib, 512 * kib, 1024 * kib, 2048 * kib, 4096 * kib]
    assert (FIRST_CHUNK, MAX_CHUNK) == (16 * kib, 8192 * kib)
    assert sizes[:9] == doubling  # each chunk twice the one before
    assert sizes[9:] == [8192 * kib] * (len(sizes) - 9) and len(sizes) >= 11  # then the cap, repeatedly


def test_a_body_bigger_than_a_chunk_gets_its_own() -> None:
    blob = ChunkedBlob()
    blob.append([b"a" * 10])
    huge = b"h" * (MAX_CHUNK + 7)
    addresses, lengths = blob.append([huge, b"after"])
    assert blob.view().read(addresses.tolist(), lengths.tolist()) == [huge, b"after"]


def test_freeing_drops_whole_chunks_but_old_views_still_read() -> None:
    blob = ChunkedBlob()
    first, lengths = blob.append([b"old" * 10_000] * 20)
    view = blob.view()
    last, _ = blob.append([b"new"])
    blob.free_before(int(last[0]))
    assert blob.first == int(last[0]) >> ADDRESS_BITS and len(blob.chunks) == 1
    assert view.read(first.tolist()[:1], lengths.tolist()[:1]) == [b"old" * 10_000]
    assert blob.view().read(last.tolist(), [3]) == [b"new"]
    blob.free_before(blob.end)  # nothing live: only the last chunk stays, to be filled
    assert len(blob.chunks) == 1



def _freed_full_chunk(blob: ChunkedBlob) -> tuple[weakref.ref, int]:
    """Fill a full-size chunk and open the next; return a weak reference to it (a strong one
    would stop its reuse) and one body address in it."""
    while not blob.chunks or len(blob.chunks[-1]) < MAX_CHUNK:
        blob.append([b"a" * 1_000_000])
    full = weakref.ref(blob.chunks[-1])
    (inside,), _ = blob.append([b"b" * 1_000_000])
    while blob.chunks[-1] is full():
        blob.append([b"c" * 1_000_000])
    return full, int(inside)


def _open_next_chunk(blob: ChunkedBlob) -> object:
    current = blob.chunks[-1]
    while blob.chunks[-1] is current:
        blob.append([b"d" * 1_000_000])
    return blob.chunks[-1]


def test_a_freed_full_size_chunk_is_reused_for_the_next_one() -> None:
    blob = ChunkedBlob()
    full, _ = _freed_full_chunk(blob)
    blob.free_before(blob.end - blob.fill)  # all chunks but the last: ``full`` is the latest freed
    assert _open_next_chunk(blob) is full()


def test_a_freed_chunk_a_reader_still_holds_is_not_reused() -> None:
    blob = ChunkedBlob()
    full, inside = _freed_full_chunk(blob)
    held = blob.view()
    blob.free_before(blob.end - blob.fill)
    assert full() is not None and _open_next_chunk(blob) is not full()
    assert held.read([inside], [1_000_000]) == [b"b" * 1_000_000]
