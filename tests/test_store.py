"""The in-memory event store: isolation, filters, eviction, reset and the rejection journal."""

from __future__ import annotations

import threading

import pytest
from tests.metrics.metric_builders import T0, Builder

from wave_mock.storage import columns
from wave_mock.storage.store import EventStore


@pytest.fixture
def ev() -> Builder:
    return Builder()


def test_tenants_do_not_see_each_other(ev: Builder) -> None:
    store = EventStore()
    store.append("t1", [ev("page.viewed", 0, stream="s1")])
    store.append("t2", [ev("page.viewed", 1, stream="s2", tenant="t2")])
    assert [e.tenant for e in store.events("t1")] == ["t1"]
    assert store.has_stream("t1", "s1") and not store.has_stream("t1", "s2")
    assert store.tenants() == ["t1", "t2"]
    assert store.events("nobody") == []


def test_events_are_newest_arrival_first_and_limited(ev: Builder) -> None:
    store = EventStore()
    batch = [ev("page.viewed", 100 - k, stream=None) for k in range(5)]  # event times descending
    store.append("t1", batch)
    assert [e.event_id for e in store.events("t1", limit=3)] == ["e000005", "e000004", "e000003"]


def test_event_filters_select_matching_events(ev: Builder) -> None:
    store = EventStore()
    store.append("t1", [
        ev("viewer.joined", 0, viewer="u1", session="a", stream="s1"),
        ev("page.viewed", 10, viewer="u2", session="b", stream=None),
        ev("playback.started", 20, session="u1", stream="s2"),  # viewer key "u1" from sessionId, no userId
    ])
    ids = lambda **kw: [e.event_id for e in store.events("t1", **kw)]  # noqa: E731
    assert ids(event_name="page.viewed") == ["e000002"]
    assert ids(event_type="viewer") == ["e000001"]
    assert ids(stream_id="s2") == ["e000003"]
    assert ids(session_id="a") == ["e000001"]
    assert ids(user_id="u1") == ["e000001"]
    assert ids(since=T0 + 10) == ["e000003", "e000002"]
    assert ids(stream_id="nope") == []


def test_session_and_user_filters_stay_exact_when_their_hashes_collide(
    ev: Builder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(columns, "key_hash", lambda value: 7)  # every viewer and session collide
    store = EventStore()
    store.append("t1", [
        ev("viewer.joined", 0, viewer="u1", session="a", stream="s1"),
        ev("viewer.joined", 1, viewer="u2", session="b", stream="s1"),
    ])
    assert [e.event_id for e in store.events("t1", session_id="b")] == ["e000002"]
    assert [e.event_id for e in store.events("t1", user_id="u1")] == ["e000001"]
    assert [(e.viewer, e.session) for e in store.events("t1")] == [("u2", "b"), ("u1", "a")]


def test_append_is_all_or_nothing(ev: Builder) -> None:
    store = EventStore()
    with pytest.raises(ValueError):
        store.append("t1", [ev("page.viewed", 0), ev("page.viewed", 1, tenant="t2")])
    assert store.events("t1") == [] and store.stats()["accepted"] == 0


def test_eviction_drops_oldest_arrivals_and_counts_them(ev: Builder) -> None:
    store = EventStore(max_events=3)
    store.append("t1", [ev("stream.started", 0, stream="s1"), ev("page.viewed", 1, stream=None)])
    store.append("t2", [ev("page.viewed", 2, stream=None, tenant="t2")])
    store.append("t1", [ev("page.viewed", 3, stream=None), ev("page.viewed", 4, stream=None)])
    # 5 stored, cap 3: e000001 (t1, s1) and e000002 (t1) are evicted.
    assert [e.event_id for e in store.events("t1")] == ["e000005", "e000004"]
    assert [e.event_id for e in store.events("t2")] == ["e000003"]
    assert not store.has_stream("t1", "s1")
    assert len(store) == 3
    assert store.stats("t1") == {"total": 4, "accepted": 4, "rejected": 0, "evicted": 2}
    assert store.stats()["evicted"] == 2
    index = store.tenant_index("t1")
    assert index is not None and len(index) == 2 and list(index.streams) == []


def test_reset_one_tenant_keeps_the_others(ev: Builder) -> None:
    store = EventStore()
    store.append("t1", [ev("page.viewed", 0)])
    store.append("t2", [ev("page.viewed", 0, tenant="t2")])
    store.record_rejection("t1", {"reason": "bad"})
    store.reset("t1")
    assert store.events("t1") == [] and store.rejected("t1") == [] and not store.has_stream("t1", "s1")
    assert len(store.events("t2")) == 1 and len(store) == 1
    assert store.stats("t1")["total"] == 0


def test_reset_everything_clears_all(ev: Builder) -> None:
    store = EventStore()
    store.append("t1", [ev("page.viewed", 0)])
    store.record_rejection("t2", {"reason": "bad"})
    store.reset(None)
    assert store.tenants() == [] and len(store) == 0
    assert store.stats() == {"total": 0, "accepted": 0, "rejected": 0, "evicted": 0}


def test_rejection_journal_is_capped_newest_first() -> None:
    store = EventStore(max_rejected=3)
    for k in range(5):
        store.record_rejection("t1", {"n": k})
    assert store.rejected("t1") == [{"n": 4}, {"n": 3}, {"n": 2}]
    assert store.rejected("t1", limit=1) == [{"n": 4}]
    # Every rejection counts, even those that fell off the journal.
    assert store.stats("t1") == {"total": 5, "accepted": 0, "rejected": 5, "evicted": 0}


def test_stats_total_is_accepted_plus_rejected(ev: Builder) -> None:
    store = EventStore()
    store.append("t1", [ev("page.viewed", 0), ev("page.viewed", 1)])
    store.record_rejection("t1", {"reason": "bad"})
    assert store.stats("t1") == {"total": 3, "accepted": 2, "rejected": 1, "evicted": 0}


def test_concurrent_appends_all_land_once() -> None:
    store = EventStore(max_events=1_000)
    builders = [Builder() for _ in range(4)]

    def write(b: Builder, tenant: str) -> None:
        for k in range(100):
            store.append(tenant, [b("page.viewed", k, tenant=tenant, stream="s1")])

    threads = [threading.Thread(target=write, args=(b, f"t{i}")) for i, b in enumerate(builders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(store) == 400
    assert all(store.stats(f"t{i}")["accepted"] == 100 for i in range(4))
    assert all(len(store.events(f"t{i}", stream_id="s1", limit=1000)) == 100 for i in range(4))


def test_single_appends_past_the_queue_limit_keep_the_newest_at_the_cap(ev: Builder) -> None:
    store = EventStore(max_events=1500)
    sent = [ev("page.viewed", k, stream=f"s{k % 7}") for k in range(5000)]
    for event in sent:
        store.append("t1", [event])  # no reader in between: only the queue limit flushes
    assert len(store) == 1500
    assert store.stats("t1") == {"total": 5000, "accepted": 5000, "rejected": 0, "evicted": 3500}
    assert store.events("t1", limit=2000) == sent[-1500:][::-1]
    assert store.events("t1", stream_id="s3", limit=2000) == [e for e in sent[-1500:][::-1] if e.stream == "s3"]


def test_a_reader_sees_a_single_append_made_after_its_last_read(ev: Builder) -> None:
    store = EventStore()
    store.append("t1", [ev("page.viewed", 0, stream="s1")])
    assert len(store.events("t1")) == 1 and not store.has_stream("t1", "s2")
    store.append("t1", [ev("page.viewed", 1, stream="s2")])
    assert store.has_stream("t1", "s2")
    assert [e.stream for e in store.events("t1")] == ["s2", "s1"]


@pytest.mark.parametrize("scan_rows", [1, 3, 7, 1000])
def test_listing_scans_from_the_newest_a_block_at_a_time_with_the_same_answer(
    ev: Builder, scan_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wave_mock.storage import store as store_module

    monkeypatch.setattr(store_module, "_SCAN_ROWS", scan_rows)
    names = ["page.viewed", "ui.clicked", "viewer.joined"]
    events = [ev(names[k % 3 if k < 20 else 0], k, stream="s1" if k % 2 else None) for k in range(40)]
    store = EventStore()
    store.append("t1", events)
    for limit in (1, 2, 5, 100):
        for name, stream in ((None, None), ("ui.clicked", None), ("viewer.joined", "s1"), ("no.such", None)):
            # Independent: the plain filter over the appended list, newest first.
            expected = [e.event_id for e in reversed(events)
                        if (name is None or e.name == name) and (stream is None or e.stream == stream)][:limit]
            got = [e.event_id for e in store.events("t1", event_name=name, stream_id=stream, limit=limit)]
            assert got == expected, (limit, name, stream)
    assert len(store.events("t1", event_name="ui.clicked", limit=100)) == 7  # k = 1, 4, ..., 19: matches exist


def test_a_big_tenant_jumps_to_its_reserve_once_and_keeps_every_row(ev: Builder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(columns, "_SMALL_ROWS", 2000)
    store = EventStore(max_events=50_000)
    events = [ev("page.viewed", k, stream=None) for k in range(6000)]
    for start in range(0, len(events), 500):
        store.append("t1", events[start : start + 500])
    table = store.tenant_index("t1").table
    assert len(table.cols["time"]) == 62_500 + 8192  # 1.25 x max_events plus one flush of staged rows
    assert [e.event_id for e in store.events("t1", limit=6000)] == [e.event_id for e in reversed(events)]
    small = EventStore(max_events=50_000)
    small.append("t1", events[:100])
    assert len(small.tenant_index("t1").table.cols["time"]) == 1024  # control: a small tenant reserves nothing
