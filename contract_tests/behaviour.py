"""Helpers of the behaviour layer: refusals by tier, seeded viewer stories, timed event sequences.

Tiers (see tiers.py): that bad input gets *a* 4xx and stores nothing is documented; the
exact status and the error body's shape are wave-mock's decisions, checked last.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jsonschema
import pytest
import yaml

from .kit import Api, Reply, Target, event, unique
from .settle import Settler, has_viewers, nothing_stored
from .tiers import documented, record_divergence

# The spec's stream example (3 viewers, peak 2, 1 current): a canned answer holds these, so
# no expectation of the kit may equal them.
SPEC_EXAMPLE_VIEWERS = (3, 2, 1)


def seeded(target: Target, purpose: str) -> random.Random:
    """Return a generator seeded by ``--seed`` and the purpose, so numbers vary per seed and per check."""
    return random.Random(f"{target.seed}:{purpose}")


def assert_refused(reply: Reply, rule: str) -> None:
    """Documented: bad input gets a 4xx (never a 2xx or a 5xx)."""
    documented(400 <= reply.status < 500, reply.explain(f"{rule}: expected a 4xx"))


def assert_refused_writes_not_stored(api: Api, settler: Settler, refused: dict[str, str]) -> None:
    """Write a valid control event; once it is readable, each refused write's stream must show nothing.

    ``refused`` maps each stream a refused request named to a description of that request.
    """
    control = unique("str_control")
    sent = api.track(event("viewer.joined", unique("sess"), control))
    documented(sent.status == 200, sent.explain("the valid control event is accepted"))
    seen = settler.control(lambda: api.stream(control), has_viewers(1), since=time.time())
    documented(seen.ok, seen.explain("positive control: the valid event becomes readable (1 viewer)"))
    for stream, what in refused.items():
        stored = api.stream(stream)
        documented(nothing_stored(stored), stored.explain(f"{what} is refused and stores nothing (404, or no viewers)"))


def hold_decided(target: Target, checks: list[tuple[bool, str, str]]) -> None:
    """Hold several decided rules at the end of a test: fail (strict) or record every divergence, then skip."""
    broken: dict[str, str] = {}
    for ok, rule, observed in checks:
        if not ok:
            broken.setdefault(rule, observed)  # one entry per rule: the first observation
    if not broken:
        return
    if target.strict:
        raise AssertionError("\n".join(f"{rule}\n  observed: {observed}" for rule, observed in broken.items()))
    for rule, observed in broken.items():
        record_divergence(rule, observed)
    pytest.skip("divergence from wave-mock's decisions: " + "; ".join(f"{rule}; observed: {observed}" for rule, observed in broken.items()))


def error_checks(reply: Reply, status: int, target: Target, what: str = "this input") -> list[tuple[bool, str, str]]:
    """Decided: the exact status, and a body matching the spec's Error schema that repeats it."""
    problem = _error_body_problem(reply, status, target.spec_path)
    # A strict run fails on these, so its message carries the reply and the reproducing curl;
    # elsewhere they are divergences, kept short for the summary.
    evidence = reply.explain("") if target.strict else ""
    return [
        (reply.status == status, f"{what} gets HTTP {status}", f"HTTP {reply.status}{evidence}"),
        (problem is None, "error bodies match the spec's Error schema and repeat the status", f"{problem}: {reply.text[:200]}{evidence}"),
    ]


@lru_cache(maxsize=4)
def _error_schema(spec_path: str) -> dict[str, Any]:
    with open(spec_path, encoding="utf-8") as fh:
        spec = yaml.safe_load(fh)
    return {"$ref": "#/components/schemas/Error", "components": spec["components"]}


def _error_body_problem(reply: Reply, status: int, spec_path: str) -> str | None:
    try:
        jsonschema.validate(reply.body, _error_schema(spec_path))
    except jsonschema.ValidationError as exc:
        return f"not the Error schema ({exc.message})"
    if reply.body["error"]["status"] != reply.status:
        return "error.status does not repeat the HTTP status"
    return None


def metrics_of(reply: Reply) -> dict[str, Any]:
    """Return a dashboard reply's ``metrics`` object ({} for anything else)."""
    metrics = reply.get("metrics")
    return metrics if isinstance(metrics, dict) else {}


def count_in(reply: Reply, metric: str, key: str) -> Any:
    """Return ``metrics[metric][key]`` of a dashboard reply (0 when absent)."""
    return (metrics_of(reply).get(metric) or {}).get(key, 0)


def top_events_check(reply: Reply, name: str, count: int) -> tuple[bool, str, str]:
    """Decided: topEvents lists ``name`` with ``count`` whenever that count beats the 10th entry."""
    top = metrics_of(reply).get("topEvents")
    entries = {e.get("eventName"): e.get("count") for e in top} if isinstance(top, list) else {}
    must_show = not isinstance(top, list) or len(top) < 10 or min(e.get("count", 0) for e in top) < count
    ok = entries.get(name) == count if must_show else entries.get(name) in (None, count)
    return ok, f"topEvents counts {name!r} {count} times", f"topEvents={str(top)[:300]}"


@dataclass
class ViewerStory:
    """A seeded join/leave sequence on one stream and the numbers it must give.

    ``steps`` holds (eventName, viewer index) in time order; the expectations are worked by
    a plain sweep here, independent of any implementation.
    """

    steps: list[tuple[str, int]]
    total: int = 0
    peak: int = 0
    current: int = 0

    @classmethod
    def draw(cls, rng: random.Random) -> "ViewerStory":
        """Draw a story whose numbers differ from the spec's example and whose peak is below its total."""
        while True:
            story = cls._draw_once(rng)
            if 2 <= story.peak < story.total and (story.total, story.peak, story.current) != SPEC_EXAMPLE_VIEWERS:
                return story

    @classmethod
    def _draw_once(cls, rng: random.Random) -> "ViewerStory":
        viewers = rng.randint(4, 7)
        pending = [("viewer.joined", v) for v in range(viewers)]
        steps: list[tuple[str, int]] = []
        open_now: list[int] = []
        while pending or open_now:
            leave = open_now and (not pending or rng.random() < 0.45)
            if leave:
                steps.append(("viewer.left", open_now.pop(rng.randrange(len(open_now)))))
            else:
                name, viewer = pending.pop(0)
                steps.append((name, viewer))
                open_now.append(viewer)
            if not pending and open_now and rng.random() < 0.5:
                break  # some viewers are still watching at the end
        return cls(steps).worked()

    def worked(self) -> "ViewerStory":
        """Work the expected numbers by a plain sweep over the steps."""
        watching: set[int] = set()
        seen: set[int] = set()
        for name, viewer in self.steps:
            (watching.add if name == "viewer.joined" else watching.discard)(viewer)
            seen.add(viewer)
            self.peak = max(self.peak, len(watching))
        self.total, self.current = len(seen), len(watching)
        return self

    def events(self, stream: str, sessions: list[str]) -> list[dict[str, Any]]:
        """Return one event per step, viewer i being ``sessions[i]``."""
        return [event(name, sessions[viewer], stream) for name, viewer in self.steps]


def send_timeline(api: Api, steps: list[list[dict[str, Any]]], stamp: Any | None, gap: float = 10.0, real_gap: float = 1.0) -> float:
    """Send events step by step so their order is unambiguous; return when the last was accepted (epoch s).

    With ``stamp`` (a TargetClock: the target honours ``timestamp``) step i is stamped
    ``gap * (len(steps) - i)`` seconds before the target's now and everything goes in one batch
    (at most 100 events). Without it each step is its own batch, ``real_gap`` seconds apart (a
    second or more, so that a target storing whole seconds still sees the order).
    """
    if stamp is not None:
        stamped = [{**e, "timestamp": stamp.at(gap * (len(steps) - i))} for i, step in enumerate(steps) for e in step]
        reply = api.batch(stamped)
        documented(reply.status == 200 and reply.get("accepted") == len(stamped), reply.explain(f"a valid batch of {len(stamped)} is accepted in full"))
        return time.time()
    for i, step in enumerate(steps):
        if i:
            time.sleep(real_gap)
        if step:
            reply = api.batch(step)
            documented(reply.status == 200 and reply.get("accepted") == len(step), reply.explain("a valid batch is accepted in full"))
    return time.time()
