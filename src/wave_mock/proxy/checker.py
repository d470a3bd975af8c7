"""Judge one exchange against the spec: the request the client sent, the answer it got.

The same ``Checker`` serves the live proxy and ``wave-mock contract --replay`` (offline),
and it reuses the mock's own validators (``wave_mock.spec``) and body parser
(``wave_mock.http.jsonbody``), so a rule reads the same wherever it is applied::

    Checker.for_spec(strict=False)   the documented view (spec_tiers.documented_view)
    Checker.for_spec(strict=True)    every rule of openapi/wave-analytics.yaml

    checker.route("GET", "/api/v1/analytics/stream/s1") -> (Operation, {"streamId": "s1"})
    checker.check_request(...)  -> [Violation(side="request", rule="required", field="sessionId")]
    checker.check_response(...) -> [Violation(side="response", rule="type", field="metrics.totalEvents")]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Callable, Mapping

import orjson

from wave_mock.errors import ApiError, FieldError, ValidationFailed
from wave_mock.http.helpers import coerced, json_object_from, path_params, query_params_from
from wave_mock.resources import spec_path
from wave_mock.spec import Operation, SchemaValidator, Spec, with_defs
from wave_mock.spec_tiers import documented_view

API_PREFIX = "/api/v1"
STATUS_NOT_DOCUMENTED = "status not documented"
NOT_JSON = "response is not JSON"
SERVER_ERROR = "server error on a valid request"
# What the mock answers for an invalid body (http/api.py via ingest.py), reused in enforce mode.
BODY_MESSAGES = {"trackEvent": "The event is invalid.", "trackEventBatch": "The batch is invalid; nothing was stored."}


@dataclass(frozen=True)
class Violation:
    """One broken rule: which side, which rule (a schema keyword or a named rule), where."""

    side: str  # "request" | "response"
    rule: str  # e.g. "type", "required", "status not documented"
    field: str  # JSON path, "" for the whole body
    message: str

    def to_json(self) -> dict[str, str]:
        return {"side": self.side, "rule": self.rule, "field": self.field, "message": self.message}

    def __str__(self) -> str:
        where = f" {self.field}" if self.field else ""
        return f"{self.side}{where}: {self.message} ({self.rule})"


@dataclass
class Checker:
    """Validate requests and responses against one view of the spec."""

    spec: Spec
    strict: bool

    @classmethod
    def for_spec(cls, strict: bool, path: str | None = None) -> "Checker":
        """Load the bundled (or given) spec; the documented view unless ``strict``."""
        full = Spec.load(path or spec_path())
        spec = full if strict else Spec(documented_view(dict(full.document)), full.raw_yaml)
        return cls(spec, strict)

    @property
    def view(self) -> str:
        return "full spec (--strict)" if self.strict else "documented view"

    @cached_property
    def _routes(self) -> list[tuple[str, re.Pattern[str], Operation]]:
        routes = []
        for op in self.spec.operations.values():
            pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(op.path))
            routes.append((op.method, re.compile(f"^{re.escape(API_PREFIX)}{pattern}$"), op))
        return routes

    def route(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """Return the operation a request path names (and its path parameters), or None."""
        for op_method, pattern, op in self._routes:
            match = pattern.match(path)
            if match and op_method == method:
                return op, match.groupdict()
        return None

    def request_error(
        self, op: Operation, params: Mapping[str, str], query: list[tuple[str, str]],
        content_length: int | None, content_type: str | None, read: Callable[[], bytes],
    ) -> ApiError | None:
        """Return the error the mock would answer this request with, or None when it is valid.

        Parameters, then the body: the mock's own parser (413/415/400) and validators.
        """
        try:
            path_params(op, dict(params))
            query_params_from(op, query)
            if op.body is not None:
                body = json_object_from(content_length, content_type, read)
                problems = [error for _, error in self._body_problems(op, body)]
                if problems:
                    return ValidationFailed(BODY_MESSAGES.get(op.operation_id, "The body is invalid."), problems)
        except ApiError as error:
            return error
        return None

    def check_request(
        self, op: Operation, params: Mapping[str, str], query: list[tuple[str, str]],
        content_type: str | None, body: bytes,
    ) -> list[Violation]:
        """Return the request's violations, each with the schema keyword it breaks."""
        found: list[Violation] = []
        for location, given in (("path", dict(params)), ("query", dict(query))):
            found += [Violation("request", k, e.field, e.message) for k, e in op.params(location).keyword_errors(coerced(op, given))]
        if op.body is None:
            return found
        try:
            parsed = json_object_from(len(body), content_type, lambda: body)
        except ApiError as error:  # the mock's parser: size, media type, JSON, duplicate keys
            details = [Violation("request", error.code, d.field, d.message) for d in error.details]
            return found + (details or [Violation("request", error.code, "", error.message)])
        return found + [Violation("request", k, e.field, e.message) for k, e in self._body_problems(op, parsed)]

    def _body_problems(self, op: Operation, body: Any) -> list[tuple[str, FieldError]]:
        """Return a body's problems; a batch's items are each held to ``Event``, as the mock's ingest does."""
        assert op.body is not None
        problems = op.body.keyword_errors(body)
        if problems or op.operation_id != "trackEventBatch" or not isinstance(body.get("events"), list):
            return problems
        for index, item in enumerate(body["events"]):
            problems += self.spec.event_validator.keyword_errors(item, f"events[{index}]")
        return problems

    def check_response(
        self, op: Operation, status: int, content_type: str | None, body: bytes, request_valid: bool = False,
    ) -> list[Violation]:
        """Return the response's violations: an undocumented status, a body off its schema, or a
        500-class failure (not 503, which asks to retry) on a valid request."""
        if request_valid and status >= 500 and status != 503:
            return [Violation("response", SERVER_ERROR, "", f"the upstream failed with {status} on a valid request")]
        documented = _response_for(op.responses, status)
        if documented is None:
            listed = ", ".join(op.responses)
            return [Violation("response", STATUS_NOT_DOCUMENTED, "", f"status {status} is not documented for {op.operation_id} (documented: {listed})")]
        validator = self._response_validator(op, documented)
        if validator is None:
            return []
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError:
            return [Violation("response", NOT_JSON, "", f"the {status} body is not JSON ({content_type or 'no Content-Type'})")]
        return [Violation("response", k, e.field, e.message) for k, e in validator.keyword_errors(parsed)]

    def _response_validator(self, op: Operation, code: str) -> SchemaValidator | None:
        key = f"response {code}"
        if key not in op._validators:
            media = op.responses[code].get("content", {}).get("application/json", {})
            schema = media.get("schema")
            op._validators[key] = SchemaValidator(with_defs(schema, self.spec.document)) if schema else None  # type: ignore[assignment]
        return op._validators[key]

    def check(
        self, method: str, path: str, query: list[tuple[str, str]], request_type: str | None, request_body: bytes,
        status: int, response_type: str | None, response_body: bytes,
    ) -> list[Violation]:
        """Return every violation of one exchange; none for paths the spec does not describe."""
        routed = self.route(method, path)
        if routed is None:
            return []
        op, params = routed
        found = self.check_request(op, params, query, request_type, request_body)
        return found + self.check_response(op, status, response_type, response_body, request_valid=not found)


def _response_for(responses: Mapping[str, Any], status: int) -> str | None:
    """Return the key of the response object that documents ``status`` (exact, then 4XX, then default)."""
    for key in (str(status), f"{status // 100}XX", "default"):
        if key in responses:
            return key
    return None

