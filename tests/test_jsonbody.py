"""Body parsing: the nesting limit leaves room for rendering, and what orjson would alter is refused."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from wave_mock.errors import ValidationFailed
from wave_mock.http.jsonbody import ENCODER_DEPTH, MAX_DEPTH, parse_encoded


def _nest(depth: int) -> Any:
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


def test_orjson_encodes_exactly_254_levels() -> None:
    # The limit MAX_DEPTH leans on; an orjson upgrade that moves it must fail here first.
    assert ENCODER_DEPTH == 254
    orjson.dumps(_nest(254))
    with pytest.raises(orjson.JSONEncodeError):
        orjson.dumps(_nest(255))


def test_a_body_at_the_limit_is_kept_and_renders_inside_the_inspection_wrappers() -> None:
    raw = b'{"a":' + orjson.dumps(_nest(MAX_DEPTH - 1)) + b"}"  # the object is level 1
    value, encoded = parse_encoded(raw)
    assert encoded == raw
    rendered = orjson.dumps({"count": 1, "events": [{"event": value}]})  # what /_mock/events sends
    assert orjson.loads(rendered)["events"][0]["event"] == value


def test_one_level_more_is_a_400_naming_the_limit() -> None:
    with pytest.raises(ValidationFailed) as info:
        parse_encoded(b'{"a":' + orjson.dumps(_nest(MAX_DEPTH)) + b"}")
    assert info.value.details[0].message == f"must not nest deeper than {MAX_DEPTH} levels"


@pytest.mark.parametrize(("raw", "field"), [
    (b'{"a": 1e-400}', "a"),
    (b'{"events":[{"x":1},{"p":{"q":[0,-2e-324]}}]}', "events[1].p.q[1]"),
    (b'{"a":1,"a":2}', "a"),
])
def test_what_orjson_would_alter_silently_is_refused_with_its_path(raw: bytes, field: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        parse_encoded(raw)
    assert info.value.details[0].field == field


@pytest.mark.parametrize("raw", [b'{"a": 0.0e-999}', b'{"a": 5e-324}', b'{"a": -0.0}', b'{ "a" : [1, 2.50] }'])
def test_numbers_orjson_keeps_pass_even_when_spelled_differently(raw: bytes) -> None:
    value, _ = parse_encoded(raw)
    assert value == orjson.loads(raw)
