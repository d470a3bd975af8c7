"""Turn raw request bytes into a JSON object, or a clear 4xx."""

from __future__ import annotations

import json
from typing import Any

import orjson

from wave_mock.errors import FieldError, PayloadTooLarge, UnsupportedMediaType, ValidationFailed

MAX_BODY_BYTES = 512 * 1024
MAX_EVENT_BYTES = 32 * 1024


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

    orjson already refuses NaN, Infinity, invalid UTF-8, lone surrogates and nesting
    deeper than 1024. It keeps the last of duplicate keys silently, so a body whose
    compact re-encoding differs in length is re-parsed strictly to find them.
    """
    if not raw.strip():
        raise ValidationFailed("The body is empty; send a JSON object.", [FieldError("", "is required")])
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ValidationFailed(
            f"The body is not valid JSON: {exc}.", [FieldError("", "must be valid JSON")]
        ) from None
    if not isinstance(value, dict):
        kind = type(value).__name__ if value is not None else "null"
        raise ValidationFailed(
            f"The body must be a JSON object, not {kind}.", [FieldError("", "must be of type object")]
        )
    encoded = orjson.dumps(value)
    if len(encoded) != len(raw):
        _refuse_duplicate_keys(raw)
    return value, encoded


def _refuse_duplicate_keys(raw: bytes) -> None:
    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValidationFailed(
                    f"The body repeats the key {key!r}.", [FieldError(key, "is repeated")]
                )
            seen.add(key)
        return dict(pairs)

    json.loads(raw, object_pairs_hook=pairs_hook)
