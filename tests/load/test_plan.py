"""Partitioning: every event exactly once, whole keys per part and lane, file order kept (hand-worked + Hypothesis)."""

from __future__ import annotations

from pathlib import Path

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from wave_mock.load.plan import load_fixture, partition_key, plan_lanes, split

KEYS = st.lists(st.sampled_from([f"k{i}" for i in range(12)]), max_size=200)


def test_split_hand_worked_heaviest_key_first_onto_the_lighter_part() -> None:
    # counts A=5 B=3 C=2 D=2: A->0 (5,0), B->1 (5,3), C->1 (5,5), D->0 on the tie (7,5)
    keys = list("AAAAABBBCCDD")
    assert split(keys, 2) == [[0, 1, 2, 3, 4, 10, 11], [5, 6, 7, 8, 9]]


def test_split_into_one_part_is_the_file() -> None:
    assert split(["x", "y", "x"], 1) == [[0, 1, 2]]


def test_more_parts_than_keys_leaves_parts_empty() -> None:
    assert split(["a", "a"], 3) == [[0, 1], [], []]


@settings(derandomize=True, max_examples=200)
@given(keys=KEYS, parts=st.integers(1, 6))
def test_split_keeps_every_position_once_in_order_with_whole_keys(keys: list[str], parts: int) -> None:
    out = split(keys, parts)
    assert len(out) == parts
    assert sorted(p for part in out for p in part) == list(range(len(keys)))  # exactly once
    assert all(part == sorted(part) for part in out)  # file order within a part
    homes = {}
    for index, part in enumerate(out):
        for p in part:
            assert homes.setdefault(keys[p], index) == index  # a key never spans two parts


@settings(derandomize=True, max_examples=200)
@given(keys=KEYS, parts=st.integers(1, 6))
def test_split_is_balanced_within_the_largest_key(keys: list[str], parts: int) -> None:
    # Greedy heaviest-first: no part exceeds another by more than the largest key's count.
    sizes = [len(part) for part in split(keys, parts)]
    largest = max((keys.count(k) for k in set(keys)), default=0)
    assert max(sizes) - min(sizes) <= largest


@settings(derandomize=True, max_examples=100)
@given(keys=KEYS, parts=st.integers(1, 4), lanes=st.integers(1, 4))
def test_lanes_cover_the_fixture_once_with_each_key_in_one_lane(keys: list[str], parts: int, lanes: int) -> None:
    planned = plan_lanes(keys, parts, lanes)
    positions = [p for lane in planned for p in lane.positions]
    assert sorted(positions) == list(range(len(keys)))
    assert [lane.id for lane in planned] == list(range(len(planned)))
    owner: dict[str, int] = {}
    for lane in planned:
        assert lane.positions == sorted(lane.positions)
        for p in lane.positions:
            assert owner.setdefault(keys[p], lane.id) == lane.id
    assert plan_lanes(keys, parts, lanes) == planned  # deterministic


def test_partition_key_is_the_stream_then_the_session() -> None:
    assert partition_key({"sessionId": "s", "properties": {"streamId": "str_1"}}, 0) == "stream:str_1"
    assert partition_key({"sessionId": "s", "properties": {"path": "/"}}, 0) == "session:s"
    assert partition_key([1, 2], 7) == "line:7"


def test_load_fixture_shifts_so_the_last_event_is_the_given_instant(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    bodies = [
        {"eventType": "stream", "eventName": "viewer.joined", "sessionId": "a", "properties": {"streamId": "s1"},
         "timestamp": "2025-01-01T11:00:00.000Z"},
        {"eventType": "page", "eventName": "page.viewed", "sessionId": "b", "properties": {},
         "timestamp": "2025-01-01T12:00:00.000Z"},
    ]
    path.write_bytes(b"".join(orjson.dumps(b) + b"\n" for b in bodies) + b"\n")  # a blank line is skipped
    # 2025-01-01T12:00:00Z is 1735732800000 ms; shift it to 1735736400000 (one hour later)
    fixture = load_fixture(path, 1735736400000)
    assert fixture.shift_ms == 3_600_000
    assert [orjson.loads(line)["timestamp"] for line in fixture.lines] == [
        "2025-01-01T12:00:00.000Z", "2025-01-01T13:00:00.000Z"]
    assert fixture.keys == ["stream:s1", "session:b"]
    assert fixture.streams == ["s1"]
    unshifted = load_fixture(path, None)
    assert unshifted.shift_ms == 0 and unshifted.lines[0] == orjson.dumps(bodies[0])
