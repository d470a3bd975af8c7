"""Layer 1: the spec the kit tests against is a valid OpenAPI document."""

from __future__ import annotations

import yaml
from openapi_spec_validator import validate

from .kit import Target


def test_spec_is_valid_openapi(target: Target) -> None:
    with open(target.spec_path, encoding="utf-8") as fh:
        spec = yaml.safe_load(fh)
    validate(spec)
    assert {"trackEvent", "trackEventBatch", "getDashboardMetrics", "getStreamAnalytics"} <= {
        op["operationId"] for path in spec["paths"].values() for op in path.values() if isinstance(op, dict)
    }
