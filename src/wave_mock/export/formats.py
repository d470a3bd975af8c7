"""The two export formats, independent of where the events come from."""

from __future__ import annotations

from typing import Any, Iterable, Iterator

import orjson

from wave_mock.har import Exchange

NDJSON_TYPE = "application/x-ndjson"
HAR_TYPE = "application/json"
# What the offline HAR says each request was: the data file keeps events, not requests.
SYNTHETIC_URL = "http://localhost/api/v1/analytics/events"
SYNTHETIC_COMMENT = (
    "Synthesized by 'wave-mock export' from a data file: one POST per stored event, with the "
    "answer the mock gives an accepted event. Batches, headers and rejected requests are not kept there."
)


def ndjson_lines(bodies: Iterable[Any]) -> Iterator[bytes]:
    """Yield one line per event body, as ``fixtures replay`` and ``serve --load`` read them."""
    for body in bodies:
        yield orjson.dumps(body) + b"\n"


def synthetic_exchange(event_id: str, received_at: float, body: Any) -> Exchange:
    """Return the single-event POST that stored ``body``, with the 200 the mock answered."""
    request = orjson.dumps(body)
    answer = orjson.dumps({"success": True, "eventId": event_id})
    return Exchange(
        started=received_at,
        method="POST",
        url=SYNTHETIC_URL,
        request_headers=[("Content-Type", "application/json"), ("Content-Length", str(len(request)))],
        request_body=request,
        status=200,
        response_headers=[("Content-Type", "application/json"), ("Content-Length", str(len(answer)))],
        response_body=answer,
        duration_ms=0.0,
        status_text="OK",
        extra={"synthesized": True},
    )
