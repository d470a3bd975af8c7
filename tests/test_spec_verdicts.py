"""The fast validator (jsonschema-rs) gives the reference (jsonschema) verdict on every event.

Bodies are the demo fixture's events, mutated: fields dropped, replaced by edge values or
random JSON, unknown fields added. The batch-wide validator must equal "every item valid".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from wave_mock.resources import spec_path
from wave_mock.spec import Spec

DEMO = Path(__file__).resolve().parents[1] / "fixtures" / "demo.jsonl"
SAMPLES = [orjson.loads(line) for line in DEMO.read_bytes().splitlines()[:300]]
FIELDS = ["eventType", "eventName", "sessionId", "userId", "anonymousId", "platform", "timestamp",
          "properties", "experiments", "sessionid"]
EDGES = ["", "x", "x" * 128, "x" * 129, "x" * 257, "web", "tv", "2026-11-27T10:00:00Z", "2026-11-27T10:00:00.5+01:00",
         "2026-11-27T10:00:00", "2026-13-01T00:00:00Z", "2026-11-27t10:00:00z", "2026-02-30T10:00:00Z", 0, -1, 1.5,
         True, None, {}, [], {"streamId": ""}, {"streamId": 3}, {"streamId": "s1"}, {"a": 1}, {"a": "b"}]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=5,
)
SPEC = Spec.load(spec_path())


@st.composite
def events(draw: st.DrawFn) -> Any:
    body = dict(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.sampled_from(FIELDS))
        if draw(st.booleans()):
            body.pop(key, None)
        else:
            body[key] = draw(st.sampled_from(EDGES) | JSON)
    return body if draw(st.integers(0, 20)) else draw(JSON)


@settings(derandomize=True, max_examples=1500, deadline=None)
@given(events())
def test_fast_event_verdict_equals_the_reference(body: Any) -> None:
    validator = SPEC.event_validator
    assert validator.is_valid(body) == validator.reference_is_valid(body)


@settings(derandomize=True, max_examples=400, deadline=None)
@given(st.lists(events(), min_size=1, max_size=6))
def test_batch_verdict_is_every_item_valid(items: list[Any]) -> None:
    single = SPEC.event_validator
    assert SPEC.event_list_validator.is_valid(items) == all(single.is_valid(i) for i in items)


@pytest.mark.parametrize("verdict", [True, False])
def test_the_generated_bodies_cover_both_verdicts(verdict: bool) -> None:
    # Guards the tests above against a strategy that only ever builds valid (or invalid) bodies.
    found = find(events(), lambda body: SPEC.event_validator.is_valid(body) == verdict,
                 settings=settings(derandomize=True, database=None))
    assert SPEC.event_validator.reference_is_valid(found) == verdict
