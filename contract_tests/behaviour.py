"""Helpers of the behaviour layer: timed event sequences and error-shape validation."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

import jsonschema
import yaml

from .kit import Api, Reply, event, rfc3339, unique


def accepts_timestamp(api: Api) -> bool:
    """Tell whether the target takes the mock-only ``timestamp`` field (real WAVE rejects it)."""
    probe = event("kit.timestamp_probe", unique("sess"), timestamp=rfc3339(datetime.now(timezone.utc) - timedelta(minutes=1)))
    return api.track(probe).status == 200


def send_in_order(api: Api, events: list[dict[str, Any]], with_timestamps: bool, start_ago: float = 600.0, step: float = 10.0) -> float:
    """Send events so their order is unambiguous; return the (approximate) time of the first.

    With timestamps the events are spaced ``step`` seconds apart, starting ``start_ago``
    seconds in the past, in one batch. Without them each goes in its own request, 0.2 s apart.
    """
    if with_timestamps:
        first = datetime.now(timezone.utc) - timedelta(seconds=start_ago)
        stamped = [{**e, "timestamp": rfc3339(first + timedelta(seconds=i * step))} for i, e in enumerate(events)]
        reply = api.batch(stamped)
        assert reply.status == 200 and reply.body.get("accepted") == len(events), reply.explain("a valid batch is accepted in full")
        return first.timestamp()
    started = time.time()
    for body in events:
        reply = api.track(body)
        assert reply.status == 200, reply.explain("a valid event is accepted")
        time.sleep(0.2)
    return started


@lru_cache(maxsize=4)
def _error_schema(spec_path: str) -> dict[str, Any]:
    with open(spec_path, encoding="utf-8") as fh:
        spec = yaml.safe_load(fh)
    return {"$ref": "#/components/schemas/Error", "components": spec["components"]}


def assert_error_body(reply: Reply, status: int, spec_path: str) -> None:
    """Assert the reply has ``status`` and a body matching the spec's Error schema."""
    assert reply.status == status, reply.explain(f"expected HTTP {status}")
    try:
        jsonschema.validate(reply.body, _error_schema(spec_path))
    except jsonschema.ValidationError as exc:
        raise AssertionError(reply.explain(f"error bodies match the Error schema: {exc.message}")) from None
    assert reply.body["error"]["status"] == status, reply.explain("error.status repeats the HTTP status")
