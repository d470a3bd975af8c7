"""One ``wave-mock load`` run on the master: prepare, send through Locust, account, converge, report."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from wave_mock.client import WaveClient
from wave_mock.fixtures.builders import TimestampFormatter
from wave_mock.load.converge import Oracle, frozen_expectation, safe_converge, shifted_expectation
from wave_mock.load.ledger import Ledger
from wave_mock.load.master import Master, SendOutcome, SendSettings, say
from wave_mock.load.plan import Fixture, describe_split, load_fixture, plan_lanes
from wave_mock.load.report import operations, problems
from wave_mock.load.target import MockTarget


@dataclass(frozen=True)
class RunOptions:
    """Everything besides delivery that a run needs."""

    fixture: Path
    frozen: bool
    settle: float
    unsent_out: Path


def run(options: RunOptions, send: SendSettings) -> dict[str, Any]:
    """Run the whole load test and return the report (see ``report.py``)."""
    target = MockTarget(send.api_key, send.base_url, send.timeout)
    is_mock = target.is_mock()
    if options.frozen and not is_mock:
        raise ValueError("--frozen needs a wave-mock target (it freezes the key's clock with POST /_mock/clock)")
    with Master(send) as master:
        say(f"reading {options.fixture}")
        fixture = _prepare(options, target)
        lanes = plan_lanes(fixture.keys, send.workers, send.users_per_worker)
        before = target.accepted() if is_mock else None
        outcome = master.send(fixture, lanes)
    stored = target.accepted() - before if before is not None else None
    unsent, in_doubt, arrived = _account(outcome.ledger, fixture, target if is_mock else None)
    report = _counts(fixture, send, outcome, stored, is_mock, options)
    if stored is not None:  # in-doubt batches found stored count as delivered, not as extra
        report["lost"] = max(outcome.ledger.accepted + arrived - stored, 0)
    report["split"] = [{**part, "worker": outcome.parts.get(part["part"], "?")}
                       for part in describe_split(fixture, lanes, send.workers)]
    report.update(notSent=len(unsent), inDoubt=in_doubt, unsentFile=None,
                  notSentReason=_why_unsent(outcome))
    if unsent:
        options.unsent_out.write_bytes(b"".join(fixture.lines[p] + b"\n" for p in unsent))
        report["unsentFile"] = str(options.unsent_out)
    say("checking the numbers")
    report["convergence"] = _converge(options, send, fixture, is_mock, skip=bool(unsent))
    report["problems"] = problems(report)
    report["ok"] = not report["problems"]
    return report


def _prepare(options: RunOptions, target: MockTarget) -> Fixture:
    """Freeze the target's clock at the fixture's "now" (--frozen), else shift the fixture to end now."""
    if not options.frozen:
        return load_fixture(options.fixture, round(time.time() * 1000))
    fixture = load_fixture(options.fixture, None)
    target.freeze(TimestampFormatter()(fixture.now_ms))
    return fixture


def _account(ledger: Ledger, fixture: Fixture, target: MockTarget | None) -> tuple[list[int], int, int]:
    """Return the positions not sent, how many events stay in doubt, and how many in-doubt ones arrived.

    A batch that may have been in flight when its worker vanished is settled on a
    wave-mock target by looking its first event up (a batch is stored together).
    """
    unsent = set(ledger.unsent_positions())
    doubtful = arrived = 0
    for batch in ledger.in_doubt():
        if target is None:
            doubtful += len(batch)
        elif target.has_event(_body(fixture, batch[0])):
            unsent.difference_update(batch)  # it arrived after all
            arrived += len(batch)
    return sorted(unsent), doubtful, arrived


def _body(fixture: Fixture, position: int) -> dict[str, Any]:
    return orjson.loads(fixture.lines[position])


def _why_unsent(outcome: SendOutcome) -> str | None:
    if outcome.lost_workers:
        return f"worker(s) lost mid-run: {', '.join(outcome.lost_workers)}"
    if outcome.timed_out:
        return "--duration ran out"
    return None


def _counts(fixture: Fixture, send: SendSettings, outcome: SendOutcome, stored: int | None, is_mock: bool,
            options: RunOptions) -> dict[str, Any]:
    ledger, stats = outcome.ledger, outcome.environment.stats
    request_failures = stats.total.num_failures
    return {
        "target": send.base_url,
        "targetKind": "wave-mock" if is_mock else "deployment",
        "fixture": str(options.fixture),
        "mode": "frozen" if options.frozen else "shifted",
        "shiftSeconds": fixture.shift_ms / 1000,
        "events": len(fixture.lines),
        "streams": len(fixture.streams),
        "workers": send.workers,
        "sent": ledger.sent,
        "accepted": ledger.accepted,
        "rejected": ledger.rejected,
        "throttled429": ledger.throttled,
        "errors": max(request_failures - ledger.throttled, 0),
        "failed": ledger.failed,
        "retries": ledger.retries,
        "rejectedExamples": ledger.errors,
        "seconds": round(outcome.seconds, 3),
        "eventsPerSecond": round(ledger.accepted / outcome.seconds, 1) if outcome.seconds > 0 else 0.0,
        "operations": operations(stats),
        "lostWorkers": outcome.lost_workers,
        "stored": stored,
        "lost": 0,  # set by run() once in-doubt batches are settled
    }


def _converge(options: RunOptions, send: SendSettings, fixture: Fixture, is_mock: bool, skip: bool) -> dict[str, Any]:
    if skip:
        return {"skipped": "some events were not sent"}
    now_s = fixture.now_ms / 1000
    if options.frozen:
        expect = frozen_expectation(fixture.expected_file, lambda: Oracle(fixture.path, now_s), now_s)
    else:
        expect = shifted_expectation(Oracle(fixture.path, now_s), fixture.shift_ms / 1000)
    with WaveClient(api_key=send.api_key, base_url=send.base_url, timeout=send.timeout) as client:
        result = safe_converge(client, fixture.streams, expect, every_field=is_mock, settle=options.settle)
    return {"converged": result.converged, "seconds": round(result.seconds, 3), "rounds": result.rounds,
            "compared": result.compared, "differenceCount": result.difference_count,
            "differences": result.differences,
            "metrics": "every stream metric" if is_mock else "documented: totalViewers, peakViewers, "
                                                             "avgWatchTime, totalDuration"}
