"""The master's ledger: acknowledged prefixes, what was not sent, what is in doubt (hand-worked)."""

from __future__ import annotations

from wave_mock.load.ledger import Ledger
from wave_mock.load.plan import Lane


def _ack(lane: int, start: int, upto: int, accepted: int, **extra: object) -> dict:
    return {"lane": lane, "start": start, "upto": upto, "accepted": accepted, "rejected": 0, "failed": 0,
            "retries": 0, "throttled": 0, "errors": [], **extra}


def test_unsent_is_each_open_lanes_unacknowledged_suffix() -> None:
    lanes = [Lane(0, 0, [0, 2, 4, 6, 8]), Lane(1, 1, [1, 3, 5, 7, 9])]
    ledger = Ledger.for_lanes(lanes, batch_size=2)
    ledger.ack(_ack(0, 0, 2, 2))
    ledger.ack(_ack(0, 2, 4, 2))
    ledger.ack(_ack(0, 4, 5, 1))  # lane 0 complete
    ledger.ack(_ack(1, 0, 2, 1, rejected=1, errors=[[1, "sessionId", "is required"]]))
    assert ledger.sent == 7 and ledger.total == 10
    assert (ledger.accepted, ledger.rejected) == (6, 1)
    assert ledger.unsent_positions() == [5, 7, 9]
    assert ledger.in_doubt() == [[5, 7]]  # the next batch of lane 1 may have been in flight
    # the rejected item was index 1 of the batch starting at lane position 0: fixture line 3 (1-based 4)
    assert ledger.errors == [{"line": 4, "field": "sessionId", "message": "is required"}]


def test_a_finished_run_has_nothing_unsent_or_in_doubt() -> None:
    ledger = Ledger.for_lanes([Lane(0, 0, [0, 1, 2])], batch_size=100)
    assert ledger.unsent_positions() == [0, 1, 2]  # positive control: before the ack, all of it
    ledger.ack(_ack(0, 0, 3, 3))
    assert ledger.unsent_positions() == [] and ledger.in_doubt() == []


def test_pacer_spaces_batches_at_the_rate_and_never_banks_idle_time() -> None:
    from wave_mock.load.pace import Pacer

    pacer = Pacer(100.0)  # 100 events/s: a 50-event batch takes a 0.5 s slot
    assert pacer.delay(50, now=0.0) == 0.0
    assert pacer.delay(50, now=0.0) == 0.5  # the second batch waits for its slot
    assert pacer.delay(50, now=0.2) == 0.8  # the third after both
    assert pacer.delay(50, now=5.0) == 0.0  # idle time is not saved up for a burst...
    assert pacer.delay(50, now=5.0) == 0.5  # ...the next slot is 0.5 s after the last
    assert Pacer(None).delay(10_000, now=0.0) == 0.0  # no rate: never waits
