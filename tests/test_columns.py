"""Columnar table internals: compaction moves rows in place unless a reader's snapshot shares them."""

from __future__ import annotations

import pytest
from tests.metrics.metric_builders import Builder

from wave_mock.storage.columns import EventTable
from wave_mock.events import EventBatch

ROWS = 10_000
DROPPED = 6_000  # past the compaction threshold (4096, and half the rows)


@pytest.fixture
def table() -> EventTable:
    ev, table = Builder("t"), EventTable("t")
    table.stage(EventBatch.of("t", [ev("viewer.joined", k, viewer=f"u{k}", session=f"s{k}") for k in range(ROWS)]))
    table.commit()
    return table


def test_compaction_without_readers_reuses_the_arrays(table: EventTable) -> None:
    arrays = {key: id(col) for key, col in table.cols.items()}
    kept = table.events(range(DROPPED, ROWS))
    table.drop_oldest(DROPPED)
    assert table.head == 0 and table.base == DROPPED  # compacted
    assert {key: id(col) for key, col in table.cols.items()} == arrays
    assert table.events(range(DROPPED, ROWS)) == kept


def test_compaction_leaves_a_readers_snapshot_untouched(table: EventTable) -> None:
    snapshot = table.snapshot()
    seen = snapshot.events(range(ROWS))
    table.drop_oldest(DROPPED)
    assert table.head == 0 and table.base == DROPPED
    assert snapshot.events(range(ROWS)) == seen
    assert table.events(range(DROPPED, ROWS)) == seen[DROPPED:]
