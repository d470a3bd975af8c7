"""Send a Schemathesis case (waiting out 429/503) and judge its response by the target's tier.

    strict target      -> every check against the full spec; any failure fails
    documented target  -> every check against the documented view; failures fail, except
                          405 for undeclared methods (decided: recorded as a divergence) and
                          rejected "positive" data that wave-mock's own spec refuses too;
                          then the response is held to the full spec: departures are divergences
"""

from __future__ import annotations

import time
from typing import Any

import jsonschema
from schemathesis import Case, Response
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.schemas import BaseSchema

from wave_mock.client import parse_retry_after

from .kit import Target
from .report import observations
from .tiers import record_divergence

THROTTLED = (429, 503)
MAX_ATTEMPTS = 6
# Seconds one case may spend waiting for a throttled target before its last answer stands.
WAIT_BUDGET = 60.0


def retry_delay(headers: Any, attempt: int) -> float:
    """Seconds to wait: ``Retry-After`` when given (capped at 30), else exponential backoff.

    >>> retry_delay({"retry-after": ["2"]}, 0), retry_delay({}, 3)
    (2.0, 2.0)
    """
    value = headers.get("retry-after") or headers.get("Retry-After")
    if isinstance(value, list):
        value = value[0] if value else None
    seconds = parse_retry_after(value)
    return min(seconds, 30.0) if seconds is not None else min(0.25 * 2**attempt, 5.0)


def call(case: Case, **kwargs: Any) -> Response:
    """Send ``case``; on 429/503 wait as told and resend, within MAX_ATTEMPTS and WAIT_BUDGET."""
    waited = 0.0
    for attempt in range(MAX_ATTEMPTS):
        response = case.call(**kwargs)
        if response.status_code not in THROTTLED:
            return response
        observations().record_status(response.status_code)
        delay = retry_delay(response.headers, attempt)
        if attempt == MAX_ATTEMPTS - 1 or waited + delay > WAIT_BUDGET:
            break
        time.sleep(delay)
        waited += delay
    return response


def validate(case: Case, response: Response, target: Target, full: BaseSchema, **kwargs: Any) -> None:
    """Run the checks for ``target``'s tier; raise only for failures of that tier."""
    __tracebackhide__ = True
    if target.strict:
        case.validate_response(response, **kwargs)
        return
    try:
        case.validate_response(response, **kwargs)
    except FailureGroup as group:
        if any(not _tolerated(failure, case, response, full) for failure in group.exceptions):
            raise
    _record_full_spec_departures(case, response, full)


def _tolerated(failure: Failure, case: Case, response: Response, full: BaseSchema) -> bool:
    if "ignored_auth" in failure.checks and _throttled_probe(failure):
        # The check's own probe without a key met a 429/503, which it does not retry: that
        # says nothing about auth (an ignored key answers 2xx, and still fails).
        return True
    if "unsupported_method" in failure.checks:
        record_divergence("undeclared methods get 405 with an Allow header", f"{case.operation.label}: {failure.title}")
        return True
    if "positive_data_acceptance" in failure.checks and not _valid_under_full_spec(case, full):
        # The docs allow it but wave-mock's spec refuses it too (an unknown field, a long id, a
        # metric name of its own): the target agrees with wave-mock, or it is the target's call.
        return True
    return False


def _throttled_probe(failure: Failure) -> bool:
    """Tell whether an ``ignored_auth`` failure only saw its unauthenticated probe throttled."""
    text = str(getattr(failure, "message", "") or failure)
    throttled = [code for code in THROTTLED if f"got `{code} " in text]
    for code in throttled:
        observations().record_status(code)
    return bool(throttled)


def _valid_under_full_spec(case: Case, full: BaseSchema) -> bool:
    operation = full.find_operation_by_label(case.operation.label)
    if operation is None:
        return False
    spec = full.raw_schema
    definition = spec["paths"][operation.path][operation.method.lower()]
    checks = [(case.query or {}, _params_schema(definition, "query"))]
    body = definition.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body is not None and case.body is not None:
        checks.append((case.body, body))
    return all(_valid(instance, schema, spec) for instance, schema in checks)


def _params_schema(definition: dict[str, Any], location: str) -> dict[str, Any]:
    own = [p for p in definition.get("parameters", []) if p.get("in") == location]
    return {"type": "object", "properties": {p["name"]: p.get("schema", {}) for p in own}}


def _valid(instance: Any, schema: dict[str, Any], spec: dict[str, Any]) -> bool:
    return jsonschema.Draft202012Validator({**schema, "components": spec["components"]}).is_valid(instance)


def _record_full_spec_departures(case: Case, response: Response, full: BaseSchema) -> None:
    """Hold the response to the full spec too: where only it fails, that is a divergence."""
    operation = full.find_operation_by_label(case.operation.label)
    if operation is None or response.status_code in THROTTLED or case.method.upper() != operation.method.upper():
        return  # An undeclared method (unsupported_method's business) or a throttled answer.
    label, status = case.operation.label, response.status_code
    declared = full.raw_schema["paths"][operation.path][operation.method.lower()]["responses"]
    if not {str(status), f"{str(status)[0]}XX", "default"} & set(declared):
        codes = ", ".join(sorted(declared))
        record_divergence(f"exact status codes: {label} answers one of {codes}", f"HTTP {status}")
        return
    try:
        operation.validate_response(response)
    except FailureGroup as group:
        for failure in group.exceptions:
            record_divergence(f"{label} HTTP {status} bodies match wave-mock's full schema", _short(failure))
    except AssertionError as exc:  # One failure comes alone, not in a group.
        observed = _short(exc) if isinstance(exc, Failure) else str(exc).splitlines()[0][:160]
        record_divergence(f"{label} HTTP {status} bodies match wave-mock's full schema", observed)


def _short(failure: Failure) -> str:
    """The validator's own words (``'currentViewers' is a required property``), else the failure title."""
    detail = getattr(failure, "_raw_message", None) or getattr(failure, "validation_message", None)
    where = getattr(failure, "instance_path", None)
    if detail:
        return f"{detail[:140]}" + (f" (at /{'/'.join(map(str, where))})" if where else "")
    return failure.title
