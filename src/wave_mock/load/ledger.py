"""The master's ledger: what each lane has had acknowledged, and so exactly what was not sent.

A lane is sent in order and each batch is acknowledged after the target answered, so
what a lane delivered is always a prefix: lines ``[0, upto)``. When a worker vanishes,
its lanes' remainders were not sent, except the one batch per lane that may have been
in flight: those are "in doubt" until the target says whether it stored them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wave_mock.load.plan import Lane

KEPT_ERRORS = 10


@dataclass
class LaneProgress:
    """One lane's acknowledged prefix and counts."""

    lane: Lane
    upto: int = 0

    @property
    def done(self) -> bool:
        return self.upto >= len(self.lane.positions)


@dataclass
class Ledger:
    """Per-lane progress plus the run's event counts, fed by the workers' ``wm_ack`` messages."""

    lanes: dict[int, LaneProgress]
    batch_size: int
    accepted: int = 0
    rejected: int = 0
    failed: int = 0  # gave up after retries
    retries: int = 0
    throttled: int = 0  # 429 answers
    errors: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def for_lanes(cls, lanes: list[Lane], batch_size: int) -> Ledger:
        return cls({lane.id: LaneProgress(lane) for lane in lanes}, batch_size)

    def ack(self, data: dict[str, Any]) -> None:
        """Fold one batch acknowledgement in."""
        progress = self.lanes[data["lane"]]
        progress.upto = max(progress.upto, data["upto"])
        self.accepted += data["accepted"]
        self.rejected += data["rejected"]
        self.failed += data["failed"]
        self.retries += data["retries"]
        self.throttled += data["throttled"]
        for index, field_, message in data["errors"]:
            if len(self.errors) < KEPT_ERRORS:
                position = progress.lane.positions[min(data["start"] + index, len(progress.lane.positions) - 1)]
                self.errors.append({"line": position + 1, "field": field_, "message": message})

    @property
    def sent(self) -> int:
        """Events whose batch was answered (accepted, rejected) or given up on."""
        return sum(p.upto for p in self.lanes.values())

    @property
    def total(self) -> int:
        return sum(len(p.lane.positions) for p in self.lanes.values())

    def open_lanes(self, part: int | None = None) -> list[LaneProgress]:
        """Return the unfinished lanes (of one part)."""
        return [p for p in self.lanes.values() if not p.done and (part is None or p.lane.part == part)]

    def unsent_positions(self) -> list[int]:
        """Return the fixture line indices not acknowledged, ascending."""
        return sorted(pos for p in self.open_lanes() for pos in p.lane.positions[p.upto:])

    def in_doubt(self) -> list[list[int]]:
        """Return, per unfinished lane, the next batch: it may have been in flight when its worker vanished."""
        return [p.lane.positions[p.upto:p.upto + self.batch_size] for p in self.open_lanes()]
