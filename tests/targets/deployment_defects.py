"""Documented defects planted in front of the deployment-like target (issue 14, item 11).

Each breaks a rule that follows from the WAVE docs, so the kit must fail on it even though
it holds the target to the documented rules only. Most reuse wave-mock's own planted
defects (``wave_mock.defects.PlantedDefect``, each labelled ``# Planted bug:`` there): they
edit requests and answers generically, so they work in front of any WAVE target. The
three below are new: a type change in a field this target does have, and the two static
targets of the issue's item 9.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import yaml
from werkzeug.wrappers import Request, Response

from tests.targets.deployment_like import STREAM_PREFIX, WSGIApp, problem
from wave_mock.defects import PlantedDefect
from wave_mock.resources import spec_path

DEFECTS: dict[str, str] = {
    "auth_ignored": "requests without a valid key are served as the first key",
    "required_field_accepted": "an event without sessionId is accepted",
    "batch_limit_ignored": "batches over 100 events are stored",
    "wrong_rejected_count": "batch `rejected` is always 0",
    "drop_one_in_ten": "every 10th batched event is dropped but reported as accepted",
    "watch_time_in_ms": "avgWatchTime is in milliseconds",
    "peak_equals_total": "peakViewers equals totalViewers",
    "period_ignored": "the period parameter is ignored (never validated, the default window used, the asked one echoed)",
    "metric_filter_ignored": "metric=X returns every metric",
    "tenants_share_data": "every key sees the first key's data",
    "emoji_500": "a body with an emoji gets a 500",
    "viewers_as_string": "stream totalViewers is a string",
    "stale_metrics": "GET responses are cached forever",
    "static_example": "every stream read answers the spec's example, id and period echoed",
    "static_404": "every stream read answers 404",
}


class PlantedOnDeployment(PlantedDefect):
    """``PlantedDefect`` with the defects that only make sense for this target."""

    # Planted bug: a documented integer (stream totalViewers) comes back as a string.
    def _viewers_as_string(self, request: Request) -> Response:
        def edit(body: Any) -> None:
            if "totalViewers" in body:
                body["totalViewers"] = str(body["totalViewers"])
        return self._edit_json(self.forward(request), edit)

    # Planted bug: a static target -- every stream read is the spec's example, id and period echoed.
    def _static_example(self, request: Request) -> Response:
        reply = self.forward(request)
        if not (request.method == "GET" and request.path.startswith(STREAM_PREFIX) and reply.status_code == 200):
            return reply
        canned = {**spec_stream_example(), "streamId": request.path[len(STREAM_PREFIX):], "period": request.args.get("period", "24h")}
        return Response(json.dumps(canned), mimetype="application/json")

    # Planted bug: a static target -- every stream read is 404, stored or not.
    def _static_404(self, request: Request) -> Response:
        reply = self.forward(request)
        if not (request.method == "GET" and request.path.startswith(STREAM_PREFIX) and reply.status_code == 200):
            return reply
        return problem(404, "Stream not found.")


@lru_cache(maxsize=1)
def spec_stream_example() -> dict[str, Any]:
    """Return the spec's example answer of getStreamAnalytics (the one a canned target serves)."""
    spec = yaml.safe_load(spec_path().read_text(encoding="utf-8"))
    examples = spec["paths"]["/analytics/stream/{streamId}"]["get"]["responses"]["200"]["content"]["application/json"]["examples"]
    return dict(next(iter(examples.values()))["value"])


def planted(app: WSGIApp, defect: str, keys: list[str]) -> PlantedOnDeployment:
    """Put ``defect`` in front of ``app``."""
    if defect not in DEFECTS:
        raise ValueError(f"unknown defect {defect!r}; choose from {', '.join(DEFECTS)}")
    return PlantedOnDeployment(app, defect, keys)
