"""The durable append-only journal behind ``--data-file``.

One JSON line per accepted event, plus reset markers. A request is acknowledged only
after its lines are fsynced; concurrent requests share one fsync (group commit).
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import orjson

from wave_mock.events import Event, make_event

log = logging.getLogger("wave_mock.journal")


@dataclass(frozen=True)
class Replayed:
    """What a journal held: events per tenant, in order, and the highest event number."""

    events: list[Event]
    last_number: int
    torn_lines: int


class Journal:
    """Append events durably; replay them at start-up."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._write_lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._written = 0
        self._synced = 0

    def append(self, events: Sequence[Event]) -> None:
        """Write and fsync ``events``; returns once they are on disk."""
        if events:
            self._write(b"".join(_event_line(e) for e in events))

    def record_reset(self, tenant: str | None) -> None:
        """Make a reset durable, so a restart does not bring the events back."""
        self._write(orjson.dumps({"reset": tenant}) + b"\n")

    def _write(self, data: bytes) -> None:
        with self._write_lock:
            os.write(self._fd, data)
            self._written += 1
            ticket = self._written
        with self._sync_lock:
            if self._synced >= ticket:
                return  # another request's fsync already covered these bytes
            target = self._written
            os.fsync(self._fd)
            self._synced = target

    def close(self) -> None:
        os.close(self._fd)


def _event_line(event: Event) -> bytes:
    header = orjson.dumps(
        {"tenant": event.tenant, "eventId": event.event_id, "receivedAt": event.received_at, "time": event.time}
    )
    return header[:-1] + b',"event":' + event.raw + b"}\n"


def replay(path: str | Path) -> Replayed:
    """Read a journal back; a torn (partly written) line is skipped with a warning."""
    events: list[Event] = []
    last_number = torn = 0
    for number, entry in _entries(Path(path)):
        if entry is None:
            torn += 1
            log.warning("journal %s: skipped torn line %d", path, number)
            continue
        if "reset" in entry:
            events = [e for e in events if entry["reset"] is not None and e.tenant != entry["reset"]]
            continue
        events.append(
            make_event(
                entry["event"],
                event_id=entry["eventId"],
                tenant=entry["tenant"],
                time=entry["time"],
                received_at=entry["receivedAt"],
            )
        )
        last_number = max(last_number, _event_number(entry["eventId"]))
    return Replayed(events, last_number, torn)


def _entries(path: Path) -> Iterator[tuple[int, dict | None]]:
    if not path.exists():
        return
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield number, orjson.loads(line)
            except orjson.JSONDecodeError:
                yield number, None


def _event_number(event_id: str) -> int:
    digits = event_id.rsplit("_", 1)[-1]
    return int(digits) if digits.isdigit() else 0
