"""``GET /_mock/events?format=ndjson|har``: a tenant's events as sent, or its recent exchanges."""

from __future__ import annotations

from typing import Sequence

import orjson
from flask import Response

from wave_mock.errors import ApiError
from wave_mock.events import Event
from wave_mock.export.formats import HAR_TYPE, NDJSON_TYPE
from wave_mock.har import har_document
from wave_mock.state import MockState

EVERY_EVENT = 2**62  # the store's limit when an export asks for no limit


class ExchangesOff(ApiError):
    status = 409
    code = "exchanges_not_recorded"


def ndjson_response(newest_first: Sequence[Event]) -> Response:
    """The events' bodies exactly as sent, oldest first (the order to replay them in)."""
    body = b"".join(e.raw + b"\n" for e in reversed(newest_first))  # raw: the stored compact body
    return Response(body, mimetype=NDJSON_TYPE)


def har_response(mock_state: MockState, tenant: str, limit: int | None) -> Response:
    """The tenant's recent WAVE exchanges as a HAR 1.2 document, keys redacted."""
    if mock_state.exchanges is None:
        raise ExchangesOff("This mock records no exchanges (it was started with --exchanges 0).")
    exchanges = mock_state.exchanges.exchanges(tenant)
    if limit is not None:
        exchanges = exchanges[-limit:]
    comment = f"The last {len(exchanges)} WAVE API exchanges of this key (at most {mock_state.exchanges.limit} are kept)."
    document = har_document(exchanges, mock_state.keys.secrets, comment)
    return Response(orjson.dumps(document), mimetype=HAR_TYPE)
