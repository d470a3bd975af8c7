"""The Locust side of a worker: receive a part of the fixture, send its lanes, acknowledge each batch.

Messages (Locust custom messages, master <-> worker)::

    master -> worker  wm_plan   {part, base_url, api_key, batch_size, rate, max_retries, timeout, lanes}
    master -> worker  wm_lines  {lane, lines}          (JSON lines joined by b"\\n"; several per lane)
    master -> worker  wm_go     {}                     -> worker answers wm_ready {part, events}
    worker -> master  wm_ack    {lane, upto, accepted, rejected, failed, retries, throttled, errors}

Each ``EventSender`` user takes a whole lane and sends it batch after batch, so a
lane's (and a stream's) events arrive in order; the worker's pacer spreads its share
of ``--rate`` over all its users.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import gevent
from gevent.event import Event
from locust import User, constant, task
from locust.env import Environment

from wave_mock.client import RateLimitError, WaveAPIError, WaveClient, WaveError
from wave_mock.fixtures.replay import ReplayAborted, retry_call
from wave_mock.load.pace import Pacer

KEPT_ERRORS = 5  # per batch: the master keeps the first few of the run


@dataclass
class WorkerState:
    """What the master sent this worker, and the lanes still to take."""

    plan: dict[str, Any] = field(default_factory=dict)
    lines: dict[int, list[bytes]] = field(default_factory=dict)
    todo: deque[int] = field(default_factory=deque)
    ready: Event = field(default_factory=Event)
    pacer: Pacer = field(default_factory=lambda: Pacer(None))

    def on_plan(self, environment: Environment, msg: Any, **_: Any) -> None:
        self.plan = msg.data
        self.lines = {lane: [] for lane in msg.data["lanes"]}
        self.pacer = Pacer(msg.data["rate"])

    def on_lines(self, environment: Environment, msg: Any, **_: Any) -> None:
        self.lines[msg.data["lane"]].extend(msg.data["lines"].split(b"\n"))

    def on_go(self, environment: Environment, msg: Any, **_: Any) -> None:
        self.todo = deque(sorted(self.lines))
        self.ready.set()
        events = sum(len(v) for v in self.lines.values())
        environment.runner.send_message("wm_ready", {"part": self.plan["part"], "events": events})


class LoadEnvironment(Environment):
    """A Locust environment that carries this process's ``WorkerState`` (no module globals)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.wave_state = WorkerState()


class TimedClient(WaveClient):
    """The shared WAVE client, reporting every request's latency to Locust's statistics."""

    def __init__(self, environment: Environment, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._events = environment.events

    def request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        began = time.perf_counter()
        error: Exception | None = None
        try:
            return super().request(method, path, **kwargs)
        except WaveError as exc:
            error = exc
            raise
        finally:
            self._events.request.fire(request_type=method, name=path, response_time=(time.perf_counter() - began) * 1000,
                                      response_length=0, exception=error, context={})


def send_lane(state: WorkerState, lane: int, client: WaveClient, runner: Any) -> None:
    """Send one lane in order, batch by batch, acknowledging each batch to the master."""
    plan, lines = state.plan, state.lines[lane]
    size = plan["batch_size"]
    for start in range(0, len(lines), size):
        batch = lines[start:start + size]
        gevent.sleep(state.pacer.delay(len(batch), time.monotonic()))
        ack = send_batch(client, batch, plan["max_retries"])
        runner.send_message("wm_ack", {"lane": lane, "start": start, "upto": start + len(batch), **ack})


def send_batch(client: WaveClient, batch: list[bytes], max_retries: int) -> dict[str, Any]:
    """Send one batch with retries; return the counts for the master's ledger."""
    counts = {"accepted": 0, "rejected": 0, "failed": 0, "retries": 0, "throttled": 0, "errors": []}

    def on_retry(exc: Exception) -> None:
        counts["retries"] += 1
        counts["throttled"] += isinstance(exc, RateLimitError)

    try:
        result = retry_call(lambda: client.analytics.track_event_batch_json(batch), max_retries, on_retry,
                            sleep=gevent.sleep)
    except ReplayAborted as exc:
        counts["failed"] = len(batch)
        counts["throttled"] += isinstance(exc.__cause__, RateLimitError)
        counts["errors"] = [[0, "", str(exc)]]
        return counts
    except WaveAPIError as exc:  # the whole batch was refused
        counts["rejected"] = len(batch)
        counts["errors"] = [[0, "", f"batch refused: {exc}"]]
        return counts
    counts["accepted"] = int(result.get("accepted", 0))
    counts["rejected"] = int(result.get("rejected", 0))
    counts["errors"] = [[e.get("index", 0), str(e.get("field", "")), str(e.get("message", ""))]
                        for e in (result.get("errors") or [])[:KEPT_ERRORS]]
    return counts


class EventSender(User):
    """A Locust user that sends whole lanes of the fixture, then idles until the master quits."""

    wait_time = constant(0)

    def on_start(self) -> None:
        state: WorkerState = self.environment.wave_state
        state.ready.wait()
        plan = state.plan
        self.wave = TimedClient(self.environment, api_key=plan["api_key"], base_url=plan["base_url"],
                                timeout=plan["timeout"])

    @task
    def send(self) -> None:
        state: WorkerState = self.environment.wave_state
        if not state.todo:
            gevent.sleep(0.5)  # this worker's part is done: wait for the master's quit
            return
        send_lane(state, state.todo.popleft(), self.wave, self.environment.runner)

    def on_stop(self) -> None:
        self.wave.close()


def register(environment: LoadEnvironment) -> None:
    """Hook the worker's message handlers onto its runner."""
    runner, state = environment.runner, environment.wave_state
    runner.register_message("wm_plan", state.on_plan)
    runner.register_message("wm_lines", state.on_lines)
    runner.register_message("wm_go", state.on_go)


def run_worker(master_host: str, master_port: int) -> None:
    """Connect to a master and serve until it says quit."""
    environment = LoadEnvironment(user_classes=[EventSender])
    environment.create_worker_runner(master_host, master_port)
    register(environment)
    environment.runner.greenlet.join()
