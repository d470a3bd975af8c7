"""Check what a data file holds before it reaches memory: a bad record is skipped, never stored.

A record is one stored event, ``{"tenant", "eventId", "receivedAt", "time", "event"}``
(a JSON Lines journal line, or one item of a database row). Anything that could break a
reader later (a body that is not a valid WAVE event, a time no clock can show, a tenant
that no key can name) is refused here, with a reason for the warning.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Sequence

from wave_mock.events import EventBatch, make_events
from wave_mock.spec import Spec

# Tenants are ``auth.tenant_of(key)``: "t_" and 16 hex digits.
TENANT = re.compile(r"t_[0-9a-f]{16}\Z")
# The range of times a stored event may carry (1970-01-01 .. 2200-01-01 UTC).
MIN_TIME, MAX_TIME = 0.0, 7_258_118_400.0
MAX_ID_LENGTH = 64
EVENT_KEYS = frozenset({"tenant", "eventId", "receivedAt", "time", "event"})


@dataclass
class Records:
    """One tenant's events in order, as parallel lists (what ``make_events`` takes)."""

    tenant: str
    ids: list[str]
    received: list[float]
    times: list[float]
    bodies: list[Any]

    def __len__(self) -> int:
        return len(self.ids)

    def batch(self) -> EventBatch:
        """Build the events (call only on checked records)."""
        return make_events(self.bodies, ids=self.ids, tenant=self.tenant, times=self.times, received=self.received)


def tenant_problem(tenant: Any) -> str | None:
    if not isinstance(tenant, str) or not TENANT.match(tenant):
        return f"tenant {tenant!r} is not a tenant name (t_ and 16 hex digits)"
    return None


def time_problem(name: str, value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"{name} is not a number of seconds"
    if not math.isfinite(value) or not MIN_TIME <= value <= MAX_TIME:
        return f"{name} {value!r} is outside 1970..2200"
    return None


def id_problem(event_id: Any) -> str | None:
    if not isinstance(event_id, str) or not 0 < len(event_id) <= MAX_ID_LENGTH:
        return f"eventId {event_id!r} is not a string of 1..{MAX_ID_LENGTH} characters"
    return None


def entry_problem(entry: Any) -> str | None:
    """Return why a journal entry (an event record or a reset) is unusable, or None.

    >>> entry_problem({"reset": None}), entry_problem(42)
    (None, 'not a JSON object')
    """
    if not isinstance(entry, dict):
        return "not a JSON object"
    if "reset" in entry:
        if set(entry) != {"reset"}:
            return "a reset record has the one key 'reset'"
        return None if entry["reset"] is None else tenant_problem(entry["reset"])
    missing = sorted(EVENT_KEYS - set(entry))
    if missing:
        return f"missing {', '.join(missing)}"
    return (
        tenant_problem(entry["tenant"])
        or id_problem(entry["eventId"])
        or time_problem("receivedAt", entry["receivedAt"])
        or time_problem("time", entry["time"])
    )


def item_problems(records: Records, spec: Spec) -> list[str | None]:
    """Return each record's problem (None when sound); the bodies are judged by the spec.

    The ids, times and tenant are checked one by one; the bodies in one call when all are
    valid (the common case; a call per body would dominate start-up at a million events).
    """
    shared = tenant_problem(records.tenant)
    problems: list[str | None] = [
        shared or id_problem(i) or time_problem("receivedAt", r) or time_problem("time", t)
        for i, r, t in zip(records.ids, records.received, records.times)
    ]
    if not spec.event_list_validator.is_valid(records.bodies):
        problems = [p or body_problem(spec, body) for p, body in zip(problems, records.bodies)]
    return problems


def body_problem(spec: Spec, body: Any) -> str | None:
    errors = spec.event_validator.errors(body)
    if not errors:
        return None
    first = errors[0]
    return f"event {first.field or 'body'} {first.message}".replace("  ", " ")


def split(records: Records, problems: Sequence[str | None]) -> Records:
    """Return the records whose problem is None."""
    keep = [i for i, p in enumerate(problems) if p is None]
    return Records(
        records.tenant,
        [records.ids[i] for i in keep],
        [records.received[i] for i in keep],
        [records.times[i] for i in keep],
        [records.bodies[i] for i in keep],
    )
