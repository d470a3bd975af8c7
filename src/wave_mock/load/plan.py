"""Read a fixture and split it deterministically into parts (one per worker) and lanes (one per sender).

The unit of the split is a *key*: an event's ``properties.streamId``, or its ``sessionId``
for events outside any stream (page views, clicks). A key never spans two parts or two
lanes, and a lane is sent strictly in file order, one batch after the other, so each
stream's events reach the target in their order. Keys are placed heaviest first onto the
least-loaded part (ties: the lower index), which depends on the fixture and the part
count only::

    keys by events:  A=5 B=3 C=2 D=2      2 parts ->  part 0: A, D (7)   part 1: B, C (5)
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import orjson

from wave_mock.fixtures.builders import TimestampFormatter, parse_ms
from wave_mock.fixtures.expected import expected_path
from wave_mock.fixtures.replay import last_timestamp_ms, shift_body


@dataclass(frozen=True)
class Fixture:
    """A fixture ready to send: its lines (timestamps already shifted), keys and clock."""

    path: Path
    lines: list[bytes]  # one JSON event each, no newline, in file order
    keys: list[str]  # the partition key of each line
    now_ms: int  # the fixture's "now" before shifting (its expected file's, else its last timestamp)
    shift_ms: int  # added to every timestamp (0 with --frozen)
    streams: list[str]  # stream ids, sorted

    @property
    def expected_file(self) -> Path | None:
        """Return FILE.expected.json when it exists."""
        path = expected_path(self.path)
        return path if path.exists() else None


def partition_key(body: Any, line_index: int) -> str:
    """Return the key that keeps related events together: the stream, else the session."""
    if isinstance(body, dict):
        props = body.get("properties")
        if isinstance(props, dict) and isinstance(props.get("streamId"), str):
            return "stream:" + props["streamId"]
        if isinstance(body.get("sessionId"), str):
            return "session:" + body["sessionId"]
    return f"line:{line_index}"  # an odd line stands alone (the target will judge it)


def fixture_now_ms(path: Path) -> int | None:
    """Return the fixture's "now": its expected file's, else its last event's timestamp."""
    expected = expected_path(path)
    if expected.exists():
        now = orjson.loads(expected.read_bytes()).get("now")
        if isinstance(now, str):
            return parse_ms(now)
    return last_timestamp_ms(path)


class Shifter:
    """Move a line's timestamp by ``shift_ms``, splicing bytes when it has the generator's layout.

    Generated lines end with ``"timestamp":"YYYY-MM-DDTHH:MM:SS.mmmZ"}``: re-encoding the whole
    body cost ~45 us a line, the splice a few (minutes are parsed once each). Any other line
    goes through ``shift_body`` and orjson.
    """

    def __init__(self, shift_ms: int) -> None:
        self.shift_ms = shift_ms
        self.fmt = TimestampFormatter()
        self.minutes: dict[str, int] = {}

    def ms(self, stamp: str) -> int:
        """Parse a timestamp, fast for ``YYYY-MM-DDTHH:MM:SS.mmmZ``."""
        if len(stamp) != 24 or stamp[16] != ":" or stamp[19] != "." or stamp[23] != "Z":
            return parse_ms(stamp)
        minute = self.minutes.get(stamp[:16])
        if minute is None:
            minute = self.minutes[stamp[:16]] = parse_ms(stamp[:16] + ":00Z")
        return minute + int(stamp[17:19]) * 1000 + int(stamp[20:23])

    def __call__(self, raw: bytes, body: Any) -> bytes:
        stamp = body.get("timestamp") if isinstance(body, dict) else None
        if isinstance(stamp, str):
            tail = b'"timestamp":"' + stamp.encode() + b'"}'
            if raw.endswith(tail):
                try:
                    moved = self.fmt(self.ms(stamp) + self.shift_ms)
                except ValueError:
                    return raw  # leave it alone: the server reports the bad timestamp
                return raw[:-len(tail)] + b'"timestamp":"' + moved.encode() + b'"}'
        shift_body(body, self.shift_ms, self.fmt)
        return orjson.dumps(body)


def load_fixture(path: Path, shift_to_ms: int | None) -> Fixture:
    """Read ``path``; with ``shift_to_ms``, move every timestamp so the fixture's "now" is that instant."""
    now_ms = fixture_now_ms(path)
    if now_ms is None:
        raise ValueError(f"{path} has no event with a timestamp")
    shift = 0 if shift_to_ms is None else shift_to_ms - now_ms
    shifter = Shifter(shift)
    lines: list[bytes] = []
    keys: list[str] = []
    streams: set[str] = set()
    with open(path, "rb") as fh:
        for raw in fh:
            if not raw.strip():
                continue
            body = orjson.loads(raw)
            key = partition_key(body, len(lines))
            if key.startswith("stream:"):
                streams.add(key[len("stream:"):])
            raw = raw.rstrip(b"\r\n")
            lines.append(shifter(raw, body) if shift else raw)
            keys.append(key)
    return Fixture(path, lines, keys, now_ms, shift, sorted(streams))


def split(keys: Sequence[str], parts: int) -> list[list[int]]:
    """Split positions ``0..len(keys)-1`` into ``parts`` lists, whole keys each, every list in order.

    >>> split(["a", "b", "a", "c", "a", "b"], 2)
    [[0, 2, 4], [1, 3, 5]]
    """
    if parts < 1:
        raise ValueError("need at least one part")
    counts = Counter(keys)
    lightest = [(0, part) for part in range(parts)]  # a heap of (load, part): ties go to the lower part
    home: dict[str, int] = {}
    for key, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        load, part = lightest[0]
        heapq.heapreplace(lightest, (load + count, part))
        home[key] = part
    out: list[list[int]] = [[] for _ in range(parts)]
    appends = [part.append for part in out]
    for position, key in enumerate(keys):
        appends[home[key]](position)
    return out


@dataclass(frozen=True)
class Lane:
    """A sequence of fixture lines that one sender sends in order."""

    id: int  # global lane number
    part: int  # the worker part it belongs to
    positions: list[int]  # line indices into Fixture.lines, ascending


def plan_lanes(keys: Sequence[str], parts: int, lanes_per_part: int) -> list[Lane]:
    """Split into ``parts`` and each part into ``lanes_per_part`` lanes (empty lanes dropped)."""
    lanes: list[Lane] = []
    for part, positions in enumerate(split(keys, parts)):
        sub = split([keys[p] for p in positions], lanes_per_part)
        for chosen in sub:
            if chosen:
                lanes.append(Lane(len(lanes), part, [positions[i] for i in chosen]))
    return lanes


def describe_split(fixture: Fixture, lanes: list[Lane], parts: int) -> list[dict[str, Any]]:
    """Return each part's size for the report: events, lanes and the streams it carries."""
    out = []
    for part in range(parts):
        mine = [lane for lane in lanes if lane.part == part]
        keys = {fixture.keys[p] for lane in mine for p in lane.positions}
        out.append({
            "part": part,
            "events": sum(len(lane.positions) for lane in mine),
            "lanes": len(mine),
            "streams": sorted(k[len("stream:"):] for k in keys if k.startswith("stream:")),
            "otherKeys": sum(1 for k in keys if not k.startswith("stream:")),
        })
    return out
