"""The Locust master: hand each worker its part, start the senders, follow the ledger until done."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import gevent
from locust.runners import STATE_MISSING, MasterRunner
from locust.stats import stats_history, stats_printer

from wave_mock.load.ledger import Ledger
from wave_mock.load.plan import Fixture, Lane
from wave_mock.load.procs import LocalWorkers
from wave_mock.load.worker import EventSender, LoadEnvironment

CHUNK_LINES = 5_000  # lines per wm_lines message: a few MB at most
PROGRESS_EVERY = 2.0


@dataclass(frozen=True)
class SendSettings:
    """How to deliver: target, pace, workers and where the master listens."""

    base_url: str
    api_key: str
    batch_size: int = 100
    rate: float | None = None  # events/s across all workers; None: as fast as the target takes them
    time_limit: float | None = None  # seconds; the rest is reported as not sent
    spread_over: float | None = None  # seconds: without a rate, pace the whole fixture over this time
    workers: int = 1
    users_per_worker: int = 4
    max_retries: int = 5
    timeout: float = 10.0
    local: bool = True  # start the workers here; else wait for remote ones
    bind_host: str = "127.0.0.1"
    bind_port: int = 5557
    connect_timeout: float = 60.0
    web: tuple[str, int] | None = None


@dataclass
class SendOutcome:
    """What the send phase did."""

    ledger: Ledger
    seconds: float
    parts: dict[int, str] = field(default_factory=dict)  # part -> worker id
    lost_workers: list[str] = field(default_factory=list)
    timed_out: bool = False
    environment: Any = None


class LoadFailed(Exception):
    """The run could not start (no workers, a worker crashed before its part arrived)."""


class Master:
    """A Locust master and (for local runs) its worker processes; a context manager.

    The workers start on entry, so they import Locust while the master reads the fixture.
    """

    def __init__(self, settings: SendSettings) -> None:
        self.settings = settings
        self.environment = LoadEnvironment(user_classes=[EventSender], host=settings.base_url)
        self.workers = LocalWorkers(settings.workers, settings.bind_port) if settings.local else None
        self.greenlets: list[gevent.Greenlet] = []

    def __enter__(self) -> Master:
        self.runner: MasterRunner = self.environment.create_master_runner(self.settings.bind_host,
                                                                          self.settings.bind_port)
        if self.workers:
            self.workers.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for greenlet in self.greenlets:
            greenlet.kill(block=False)
        self.runner.quit()
        if self.environment.web_ui:
            self.environment.web_ui.stop()
        if self.workers:
            self.workers.stop()

    def send(self, fixture: Fixture, lanes: list[Lane]) -> SendOutcome:
        """Deliver every lane through the workers and return the ledger."""
        settings, runner, environment = self.settings, self.runner, self.environment
        ledger = Ledger.for_lanes(lanes, settings.batch_size)
        ready: dict[int, int] = {}
        runner.register_message("wm_ack", lambda msg, **_: ledger.ack(msg.data))
        runner.register_message("wm_ready", lambda msg, **_: ready.__setitem__(msg.data["part"], msg.data["events"]))
        clients = _wait_for_workers(runner, settings, self.workers)
        say(f"{len(clients)} workers connected; handing out {len(fixture.lines):,} events in {len(lanes)} lanes")
        parts = _hand_out(runner, settings, fixture, lanes, clients)
        _wait(lambda: len(ready) == settings.workers, settings.connect_timeout, "workers to load their parts")
        if settings.web:
            # Locust's UI parses sys.argv as locust options (on start and per page); ours would fail it.
            sys.argv = sys.argv[:1]
            environment.create_web_ui(*settings.web)
            self.greenlets.append(gevent.spawn(stats_history, runner))
            say(f"Locust web UI at http://{settings.web[0]}:{settings.web[1]}")
        self.greenlets.append(gevent.spawn(stats_printer(environment.stats)))
        users = settings.workers * settings.users_per_worker
        say(f"sending with {users} Locust users")
        began = time.monotonic()
        self.greenlets.append(gevent.spawn(runner.start, users, spawn_rate=users))
        lost, timed_out = _follow(runner, ledger, parts, settings, began)
        return SendOutcome(ledger, time.monotonic() - began, parts, lost, timed_out, environment)


def _wait(done: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise LoadFailed(f"timed out after {timeout:.0f}s waiting for {what}")
        gevent.sleep(0.05)


def _wait_for_workers(runner: MasterRunner, settings: SendSettings, workers: LocalWorkers | None) -> list[str]:
    """Wait until ``settings.workers`` workers are ready; return their ids in connection order."""
    deadline = time.monotonic() + settings.connect_timeout
    while len(runner.clients.ready) < settings.workers:
        if workers and workers.exited():
            raise LoadFailed(f"local worker process(es) {workers.exited()} exited before connecting")
        if time.monotonic() > deadline:
            raise LoadFailed(f"{len(runner.clients.ready)} of {settings.workers} workers connected to "
                             f"{settings.bind_host}:{settings.bind_port} within {settings.connect_timeout:.0f}s")
        gevent.sleep(0.05)
    ids = sorted((c.id for c in runner.clients.ready), key=runner.get_worker_index)
    return ids[:settings.workers]


def _hand_out(runner: MasterRunner, settings: SendSettings, fixture: Fixture, lanes: list[Lane],
              clients: list[str]) -> dict[int, str]:
    """Send part ``i`` (its plan, then its lines lane by lane, then go) to worker ``clients[i]``."""
    total = len(fixture.lines) or 1
    overall = settings.rate or (total / settings.spread_over if settings.spread_over else None)
    parts = {}
    for part, client in enumerate(clients):
        mine = [lane for lane in lanes if lane.part == part]
        events = sum(len(lane.positions) for lane in mine)
        rate = overall * events / total if overall else None
        runner.send_message("wm_plan", {
            "part": part, "base_url": settings.base_url, "api_key": settings.api_key,
            "batch_size": settings.batch_size, "rate": rate, "max_retries": settings.max_retries,
            "timeout": settings.timeout, "lanes": [lane.id for lane in mine],
        }, client_id=client)
        for lane in mine:
            for start in range(0, len(lane.positions), CHUNK_LINES):
                chunk = lane.positions[start:start + CHUNK_LINES]
                runner.send_message("wm_lines", {"lane": lane.id, "lines": b"\n".join(fixture.lines[p] for p in chunk)},
                                    client_id=client)
        runner.send_message("wm_go", {}, client_id=client)
        parts[part] = client
    return parts


def _follow(runner: MasterRunner, ledger: Ledger, parts: dict[int, str], settings: SendSettings,
            began: float) -> tuple[list[str], bool]:
    """Wait until every lane is done or belongs to a lost worker, or the time limit; print progress."""
    lost: set[str] = set()
    last_print = began
    while True:
        gevent.sleep(0.05)
        for part, client in parts.items():
            node = runner.clients.get(client)
            if client not in lost and ledger.open_lanes(part) and (node is None or node.state == STATE_MISSING):
                lost.add(client)
                say(f"worker {client} (part {part}) is gone; its unsent events will be reported")
        open_parts = {lane.lane.part for lane in ledger.open_lanes()}
        if all(parts[p] in lost for p in open_parts):
            return sorted(lost), False
        now = time.monotonic()
        if settings.time_limit is not None and now - began > settings.time_limit:
            return sorted(lost), True
        if now - last_print >= PROGRESS_EVERY:
            last_print = now
            rate = ledger.sent / (now - began)
            say(f"{ledger.sent:,}/{ledger.total:,} events acknowledged ({rate:,.0f} events/s), "
                f"{ledger.throttled} throttled (429), {ledger.failed + ledger.rejected} not accepted")


def say(message: str) -> None:
    """Print one progress line on stderr (stdout carries the report)."""
    print(f"load: {message}", file=sys.stderr, flush=True)
