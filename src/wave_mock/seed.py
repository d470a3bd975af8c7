"""Seed a mock from JSON Lines fixture files at start-up (``wave-mock serve --load``).

Two modes. By default a fixture is *shifted*: every ``timestamp`` moves by the same amount
so that the fixture's "now" is the tenant clock's now, and the clock keeps running, so live
events land after the fixture's and its windows stay full. *Frozen* (``--load-frozen``)
freezes the tenant's clock at the fixture's "now" instead, so the metrics equal the
fixture's ``.expected.json`` exactly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import orjson

from wave_mock.clock import ClockRangeError, check_instant
from wave_mock.fixtures.builders import TimestampFormatter, shift_body
from wave_mock.ingest import Ingestor, event_errors
from wave_mock.resources import fixtures_dir
from wave_mock.spec import Spec
from wave_mock.timeutil import parse_rfc3339

LOAD_CHUNK = 10_000


class SeedError(ValueError):
    """A fixture file that cannot be loaded, with the line that is wrong."""


def packaged_fixtures() -> list[str]:
    """Return the names ``--load`` accepts for the fixtures shipped in the package (``demo``, ...)."""
    root = fixtures_dir()
    return sorted(str(p.relative_to(root).with_suffix("")) for p in root.rglob("*.jsonl"))


def resolve_fixture(name: str) -> Path:
    """Return the file ``--load NAME`` means: a path, else a packaged fixture by name; raise ``SeedError``."""
    path = Path(name)
    if path.is_file():
        return path
    packaged = fixtures_dir() / f"{name.removesuffix('.jsonl')}.jsonl"
    if packaged.is_file():
        return packaged
    if path.exists():
        raise SeedError(f"{name}: not a file")
    raise SeedError(f"{name}: no such file, nor a packaged fixture (those are: {', '.join(packaged_fixtures())})")


def fixture_now(path: Path) -> float | None:
    """Return the ``"now"`` of the file's expected metrics, when it has them."""
    for candidate in (path.with_suffix(".expected.json"), path.with_name(path.name + ".expected.json")):
        if candidate.exists():
            try:
                now = orjson.loads(candidate.read_bytes()).get("now")
            except (orjson.JSONDecodeError, AttributeError):
                raise SeedError(f"{candidate}: not a JSON object with a \"now\"") from None
            return parse_rfc3339(now) if isinstance(now, str) else None
    return None


def last_timestamp(path: Path) -> float | None:
    """Return the latest event ``timestamp`` in a JSON Lines file; raise ``SeedError`` on a line that is not JSON."""
    latest = None
    for _, body in _json_lines(path):
        moment = parse_rfc3339(body.get("timestamp", "")) if isinstance(body, dict) else None
        if moment is not None and (latest is None or moment > latest):
            latest = moment
    return latest


def seed_now(path: Path) -> float | None:
    """Return the fixture's "now" (its expected file's, else its last timestamp), or None; raise ``SeedError`` out of range."""
    now = fixture_now(path)
    if now is None:  # not `or`: a fixture whose "now" is the epoch (0.0) has one
        now = last_timestamp(path)
    if now is None:
        return None
    try:
        return check_instant(now)
    except ClockRangeError as exc:
        raise SeedError(f"{path}: its \"now\" (the clock it freezes) {exc}") from None


def shift_ms_to(path: Path, now: float) -> int:
    """Return the milliseconds that move the fixture's "now" to ``now`` (0 when it has no timestamps)."""
    fixture = seed_now(path)
    return 0 if fixture is None else round(now * 1000) - round(fixture * 1000)


def _json_lines(path: Path) -> Iterator[tuple[int, Any]]:
    """Yield ``(line number, decoded value)`` for each non-blank line; raise ``SeedError`` naming a bad one."""
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield number, orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise SeedError(f"{path}:{number}: not JSON ({exc})") from None


def valid_bodies(spec: Spec, path: Path, now: float, shift_ms: int = 0) -> Iterator[dict[str, Any]]:
    """Yield each line's event (its timestamp moved by ``shift_ms``), validated like a batch item at ``now``.

    Raise ``SeedError`` at the first bad line.
    """
    fmt = TimestampFormatter()
    for number, body in _json_lines(path):
        if shift_ms:
            shift_body(body, shift_ms, fmt)
        errors = event_errors(spec, body, now)
        if errors:
            shown = "; ".join(f"{e.field or 'event'} {e.message}" for e in errors[:3])
            raise SeedError(f"{path}:{number}: invalid event: {shown}")
        yield body


def check_file(spec: Spec, path: Path) -> int:
    """Validate a fixture without storing it (cheap enough to run before the server starts)."""
    now = seed_now(path)
    return sum(1 for _ in valid_bodies(spec, path, 0.0 if now is None else now))


def load_file(ingestor: Ingestor, tenant: str, path: Path, shift_ms: int = 0) -> int:
    """Store every line of a fixture for ``tenant``, timestamps moved by ``shift_ms``; raise ``SeedError`` storing nothing more."""
    now = ingestor.now(tenant)
    loaded = 0
    chunk = []
    for body in valid_bodies(ingestor.spec, path, now, shift_ms):
        chunk.append(ingestor.build(tenant, body, now))
        if len(chunk) >= LOAD_CHUNK:
            ingestor.store.append(tenant, chunk)
            loaded, chunk = loaded + len(chunk), []
    ingestor.store.append(tenant, chunk)
    return loaded + len(chunk)
