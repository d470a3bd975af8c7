"""wave_mock.seed: finding a fixture's "now", and shifting it (the --load path)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wave_mock.app import create_app
from wave_mock.clock import Clock
from wave_mock.seed import SeedError, resolve_fixture, seed_now

EVENT = {"eventType": "page", "eventName": "page.viewed", "sessionId": "s1"}


def _fixture(tmp_path: Path, stamps: list[str], now: str | None) -> Path:
    path = tmp_path / "f.jsonl"
    path.write_text("".join(json.dumps({**EVENT, "timestamp": s}) + "\n" for s in stamps))
    if now is not None:
        (tmp_path / "f.expected.json").write_text(json.dumps({"now": now}))
    return path


def test_an_epoch_now_is_a_now_not_a_missing_one(tmp_path: Path) -> None:
    # The events are 30 min after the epoch; the expected file's "now" is the epoch itself.
    path = _fixture(tmp_path, ["1970-01-01T00:30:00Z"], "1970-01-01T00:00:00Z")
    assert seed_now(path) == 0.0


def test_without_an_expected_file_the_last_timestamp_is_now(tmp_path: Path) -> None:
    path = _fixture(tmp_path, ["2025-01-01T00:00:10Z", "2025-01-01T00:00:30Z", "2025-01-01T00:00:20Z"], None)
    assert seed_now(path) == 1735689630.0  # 2025-01-01T00:00:30Z, by hand


def test_a_line_that_is_not_json_is_named_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(EVENT) + "\n{oops\n")
    with pytest.raises(SeedError, match=r"bad\.jsonl:2: not JSON"):
        seed_now(path)


def test_packaged_fixtures_resolve_by_name_and_paths_win(tmp_path: Path) -> None:
    assert resolve_fixture("demo").name == "demo.jsonl"
    assert resolve_fixture("scenarios/restart.jsonl").name == "restart.jsonl"
    local = tmp_path / "demo"
    local.write_text("")
    assert resolve_fixture(str(local)) == local
    with pytest.raises(SeedError, match="no such file"):
        resolve_fixture(str(tmp_path / "missing"))


def test_the_shift_keeps_every_gap_and_puts_now_at_the_clocks_now(tmp_path: Path) -> None:
    path = _fixture(tmp_path, ["2025-01-01T11:00:00Z", "2025-01-01T11:59:00.250Z"], "2025-01-01T12:00:00Z")
    clock = Clock()
    clock.freeze(1_800_000_000.0)  # 2027-01-15T08:00:00Z
    app = create_app({"LOAD": [str(path)], "CLOCK": clock})
    events = app.test_client().get("/_mock/events", headers={"Authorization": "Bearer wave_dev_key"}).get_json()["events"]
    # 60 min and 59.75 s before "now" in the file, so before 08:00:00Z after the shift.
    assert [e["time"] for e in events] == ["2027-01-15T07:59:00.250Z", "2027-01-15T07:00:00Z"]
    assert [e["event"]["timestamp"] for e in events] == ["2027-01-15T07:59:00.250Z", "2027-01-15T07:00:00.000Z"]
