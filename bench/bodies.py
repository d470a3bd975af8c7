"""Deterministic event bodies: wrk body files, and JSONL fixtures for the query benchmarks."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any, Iterator

import orjson

PLATFORMS = ("web", "web", "web", "ios", "android")
RESOLUTIONS = (("360p", 800), ("720p", 2500), ("1080p", 5000))


def _rfc3339(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


def ingest_event(rng: random.Random, n: int, streams: int = 1000) -> dict[str, Any]:
    """Return one distinct, valid event of the live-viewing mix (no timestamp: server time)."""
    stream = f"str_{rng.randrange(streams):05d}"
    viewer = f"usr_{n:08d}"
    roll = rng.random()
    body: dict[str, Any] = {"eventType": "stream", "eventName": "viewer.joined", "sessionId": f"sess_{n:08d}",
                            "userId": viewer, "properties": {"streamId": stream}, "platform": rng.choice(PLATFORMS)}
    if roll < 0.2:
        body["eventName"] = "viewer.left"
    elif roll < 0.4:
        body.update(eventType="playback", eventName="playback.started")
        body["properties"]["startupTimeMs"] = rng.randint(200, 4000)
    elif roll < 0.5:
        body.update(eventType="playback", eventName="playback.rebuffer")
        body["properties"]["durationMs"] = rng.randint(100, 8000)
    elif roll < 0.55:
        res, kbps = rng.choice(RESOLUTIONS)
        body.update(eventType="playback", eventName="playback.quality_changed")
        body["properties"].update(resolution=res, bitrateKbps=kbps)
    return body


def write_single_bodies(path: Path, count: int = 2000, seed: int = 1) -> Path:
    """Write ``count`` single-event bodies, one JSON document per line."""
    rng = random.Random(seed)
    path.write_bytes(b"".join(orjson.dumps(ingest_event(rng, n)) + b"\n" for n in range(count)))
    return path


def write_batch_bodies(path: Path, count: int = 300, size: int = 100, seed: int = 2) -> Path:
    """Write ``count`` batch bodies of ``size`` distinct events, one per line."""
    rng = random.Random(seed)
    lines = []
    for b in range(count):
        events = [ingest_event(rng, b * size + k) for k in range(size)]
        lines.append(orjson.dumps({"events": events}) + b"\n")
    path.write_bytes(b"".join(lines))
    return path


def stream_sessions(rng: random.Random, stream: int, per_stream: int, start: float, end: float) -> Iterator[tuple[float, dict[str, Any]]]:
    """Yield ``(time, body)`` for one stream: start, viewer sessions with playback, end."""
    sid = f"str_{stream:05d}"
    span = end - start
    t0 = start + rng.random() * span * 0.9
    t1 = min(end, t0 + rng.uniform(0.05, 0.5) * span)
    yield t0, {"eventType": "stream", "eventName": "stream.started", "sessionId": f"host_{stream}", "properties": {"streamId": sid}}
    remaining = per_stream - 2
    n = 0
    while remaining > 0:
        n += 1
        viewer = f"usr_{stream:05d}_{n:05d}"
        session = f"sess_{stream:05d}_{n:05d}"
        join = rng.uniform(t0, t1)
        leave = min(t1, join + rng.expovariate(1 / 900))
        base = {"sessionId": session, "userId": viewer, "platform": rng.choice(PLATFORMS)}
        chunk = [(join, {**base, "eventType": "stream", "eventName": "viewer.joined", "properties": {"streamId": sid}}),
                 (join + 0.5, {**base, "eventType": "playback", "eventName": "playback.started",
                               "properties": {"streamId": sid, "startupTimeMs": rng.randint(200, 4000)}})]
        if rng.random() < 0.3:
            chunk.append((rng.uniform(join, leave), {**base, "eventType": "playback", "eventName": "playback.rebuffer",
                                                     "properties": {"streamId": sid, "durationMs": rng.randint(100, 8000)}}))
        if rng.random() < 0.3:
            res, kbps = rng.choice(RESOLUTIONS)
            chunk.append((rng.uniform(join, leave), {**base, "eventType": "playback", "eventName": "playback.quality_changed",
                                                     "properties": {"streamId": sid, "resolution": res, "bitrateKbps": kbps}}))
        chunk.append((max(leave, join + 1), {**base, "eventType": "stream", "eventName": "viewer.left", "properties": {"streamId": sid}}))
        for item in chunk[:remaining]:
            yield item
        remaining -= len(chunk)
    yield t1 + 1, {"eventType": "stream", "eventName": "stream.ended", "sessionId": f"host_{stream}", "properties": {"streamId": sid}}


def query_events(total: int, streams: int, end: float, days: float = 60.0, seed: int = 3) -> Iterator[tuple[float, dict[str, Any]]]:
    """Yield ``total`` events over ``streams`` streams spread over the ``days`` before ``end``."""
    rng = random.Random(seed)
    per_stream = max(2, total // streams)
    start = end - days * 86400
    for s in range(streams):
        yield from stream_sessions(rng, s, per_stream, start, end - 60)


def write_query_fixture(path: Path, total: int, streams: int, end: float) -> int:
    """Write a JSONL fixture (each line has a ``timestamp``) plus its ``.expected.json`` "now"."""
    count = 0
    with path.open("wb") as out:
        for t, body in query_events(total, streams, end):
            body["timestamp"] = _rfc3339(t)
            out.write(orjson.dumps(body) + b"\n")
            count += 1
    path.with_suffix(".expected.json").write_bytes(orjson.dumps({"now": _rfc3339(end)}))
    return count
