"""Seed a mock from JSON Lines fixture files at start-up (``wave-mock serve --load``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import orjson

from wave_mock.clock import ClockRangeError, check_instant
from wave_mock.ingest import Ingestor, event_errors
from wave_mock.spec import Spec
from wave_mock.timeutil import parse_rfc3339

LOAD_CHUNK = 10_000


class SeedError(ValueError):
    """A fixture file that cannot be loaded, with the line that is wrong."""


def fixture_now(path: Path) -> float | None:
    """Return the ``"now"`` of the file's expected metrics, when it has them."""
    for candidate in (path.with_suffix(".expected.json"), path.with_name(path.name + ".expected.json")):
        if candidate.exists():
            now = orjson.loads(candidate.read_bytes()).get("now")
            return parse_rfc3339(now) if isinstance(now, str) else None
    return None


def last_timestamp(path: Path) -> float | None:
    """Return the latest event ``timestamp`` in a JSON Lines file."""
    latest = None
    with path.open("rb") as lines:
        for line in lines:
            if line.strip():
                moment = parse_rfc3339(orjson.loads(line).get("timestamp", ""))
                if moment is not None and (latest is None or moment > latest):
                    latest = moment
    return latest


def seed_now(path: Path) -> float | None:
    """Return the instant a fixture freezes its tenant's clock at, or None; raise ``SeedError`` out of range."""
    now = fixture_now(path) or last_timestamp(path)
    if now is None:
        return None
    try:
        return check_instant(now)
    except ClockRangeError as exc:
        raise SeedError(f"{path}: its \"now\" (the clock it freezes) {exc}") from None


def valid_bodies(spec: Spec, path: Path, now: float) -> Iterator[dict[str, Any]]:
    """Yield each line's event, validated like a batch item; raise ``SeedError`` at the first bad one."""
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                body = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise SeedError(f"{path}:{number}: not JSON ({exc})") from None
            errors = event_errors(spec, body, now)
            if errors:
                shown = "; ".join(f"{e.field or 'event'} {e.message}" for e in errors[:3])
                raise SeedError(f"{path}:{number}: invalid event: {shown}")
            yield body


def check_file(spec: Spec, path: Path) -> int:
    """Validate a fixture without storing it (cheap enough to run before the server starts)."""
    now = seed_now(path) or 0.0
    return sum(1 for _ in valid_bodies(spec, path, now))


def load_file(ingestor: Ingestor, tenant: str, path: Path) -> int:
    """Store every line of a fixture for ``tenant``, or raise ``SeedError`` storing nothing more."""
    now = ingestor.now(tenant)
    loaded = 0
    chunk = []
    for body in valid_bodies(ingestor.spec, path, now):
        chunk.append(ingestor.build(tenant, body, now))
        if len(chunk) >= LOAD_CHUNK:
            ingestor.store.append(tenant, chunk)
            loaded, chunk = loaded + len(chunk), []
    ingestor.store.append(tenant, chunk)
    return loaded + len(chunk)
