"""Turn raw request bytes into a JSON object, or a clear 4xx."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import orjson

from wave_mock.errors import FieldError, PayloadTooLarge, UnsupportedMediaType, ValidationFailed

MAX_BODY_BYTES = 512 * 1024
MAX_EVENT_BYTES = 32 * 1024
# Nesting levels a body may have. orjson encodes at most 254 (and parses 1,024); a stored
# body is rendered again inside up to 3 more levels (/_mock/events, /_mock/rejected), so
# bodies are refused well below that (tests/test_jsonbody.py holds orjson to 254).
MAX_DEPTH = 200
ENCODER_DEPTH = 254
_PAD = ENCODER_DEPTH - MAX_DEPTH


def check_content_type(content_type: str | None) -> None:
    """Accept ``application/json`` (with parameters) and ``application/*+json``."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media == "application/json" or (media.startswith("application/") and media.endswith("+json")):
        return
    shown = media or "none"
    raise UnsupportedMediaType(f"Content-Type must be application/json, got {shown}.")


def check_body_size(length: int) -> None:
    """Refuse a body over ``MAX_BODY_BYTES``."""
    if length > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"The body is larger than {MAX_BODY_BYTES} bytes (512 KiB).")


def parse_object(raw: bytes) -> dict[str, Any]:
    """Parse ``raw`` as one JSON object; refuse anything else with a 400 (see ``parse_encoded``)."""
    return parse_encoded(raw)[0]


def parse_encoded(raw: bytes) -> tuple[dict[str, Any], bytes]:
    """Parse ``raw`` as one JSON object and return it with its compact encoding; refuse
    anything else with a 400. Batch ingest stores events from that encoding.

    orjson already refuses NaN, Infinity, numbers that overflow a double (1e400), invalid
    UTF-8, lone surrogates and nesting deeper than 1024. ``_encode`` refuses nesting deeper
    than ``MAX_DEPTH``. What orjson would change silently (a duplicate key keeps its last
    value, 1e-400 turns into 0.0) cannot survive a byte-for-byte equal re-encoding, so a
    body whose encoding differs is re-parsed strictly.
    """
    if not raw.strip():
        raise ValidationFailed("The body is empty; send a JSON object.", [FieldError("", "is required")])
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if "depth" in str(exc):
            raise _too_deep() from None
        raise ValidationFailed(
            f"The body is not valid JSON: {exc}.", [FieldError("", "must be valid JSON")]
        ) from None
    if not isinstance(value, dict):
        kind = type(value).__name__ if value is not None else "null"
        raise ValidationFailed(
            f"The body must be a JSON object, not {kind}.", [FieldError("", "must be of type object")]
        )
    encoded = _encode(value)
    if encoded != raw:
        check_faithful(raw)
    return value, encoded


def _encode(value: dict[str, Any]) -> bytes:
    """Return ``orjson.dumps(value)``, or raise 400 when it nests deeper than ``MAX_DEPTH``.

    Encoding it inside ``_PAD`` extra lists proves, at the cost of a copy, that the encoder
    can also render it inside the ``_PAD`` levels that /_mock/events and /_mock/rejected add.
    """
    padded: Any = value
    for _ in range(_PAD):
        padded = [padded]
    try:
        return orjson.dumps(padded)[_PAD:-_PAD]
    except orjson.JSONEncodeError:
        raise _too_deep() from None


def _too_deep() -> ValidationFailed:
    return ValidationFailed(
        f"The body nests deeper than {MAX_DEPTH} levels.", [FieldError("", f"must not nest deeper than {MAX_DEPTH} levels")]
    )


class _Unfaithful:
    """Stands where a number that cannot be stored as sent was, until its path is known."""

    __slots__ = ("problem",)

    def __init__(self, problem: str) -> None:
        self.problem = problem


def check_faithful(raw: bytes) -> None:
    """Raise 400 for a repeated key, or a number that underflows to 0 (``1e-400``).

    Python's parser sees every number's text, where orjson has already rounded it. (An
    integer beyond 64 bits, which orjson turns into a float, lands outside the range the
    spec's ``JsonValue`` allows, so validation refuses it with its field path.)
    """
    found: list[_Unfaithful] = []

    def unfaithful(problem: str) -> _Unfaithful:
        found.append(_Unfaithful(problem))
        return found[-1]

    def parse_float(text: str) -> float | _Unfaithful:
        value = float(text)
        if not math.isfinite(value):
            return unfaithful("must be a finite number")
        if value == 0.0 and any(digit in "123456789" for digit in re.split("[eE]", text)[0]):
            return unfaithful(f"must not underflow to 0 (the nearest 64-bit float to {text[:40]} is 0)")
        return value

    try:
        value = json.loads(raw, object_pairs_hook=_refuse_repeated_keys, parse_float=parse_float,
                           parse_constant=lambda text: unfaithful("must be a finite number"))
    except (ValueError, RecursionError) as exc:
        raise ValidationFailed(f"The body is not valid JSON: {exc}.", [FieldError("", "must be valid JSON")]) from None
    if found:
        path = _path_of(value, found[0]) or ""
        raise ValidationFailed(f"The body holds a number that cannot be stored as sent ({path or 'the body'}).",
                               [FieldError(path, found[0].problem)])


def _refuse_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise ValidationFailed(f"The body repeats the key {key!r}.", [FieldError(key, "is repeated")])
        seen.add(key)
    return dict(pairs)


def _path_of(value: Any, target: object, path: str = "") -> str | None:
    """Return the field path (``events[3].properties.x``) where ``target`` sits in ``value``."""
    if value is target:
        return path
    children: Any = ()
    if isinstance(value, dict):
        children = ((f"{path}.{key}" if path else key, item) for key, item in value.items())
    elif isinstance(value, list):
        children = ((f"{path}[{index}]", item) for index, item in enumerate(value))
    for child_path, item in children:
        found = _path_of(item, target, child_path)
        if found is not None:
            return found
    return None
