"""Load the OpenAPI document and compile one validator per schema, once, at start-up.

Nothing here is re-typed by hand: every rule comes from the spec, so changing the
spec changes what the mock accepts.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import jsonschema_rs
import orjson
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from wave_mock.errors import FieldError
from wave_mock.timeutil import is_rfc3339

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MAX_DETAILS = 50
_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def json_path(parts: Iterable[str | int], prefix: str = "") -> str:
    """Render a path as ``events[3].sessionId``.

    >>> json_path(["events", 3, "sessionId"])
    'events[3].sessionId'
    """
    out = prefix
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENTIFIER.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{orjson.dumps(part).decode()}]"
    return out


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    checker.checks("date-time")(lambda value: not isinstance(value, str) or is_rfc3339(value))
    return checker


def inline_refs(node: Any, root: Mapping[str, Any], _expanding: frozenset[str] = frozenset()) -> Any:
    """Return ``node`` with every local ``$ref`` replaced by its target.

    A recursive schema (``JsonValue``) is inlined once and then refers to itself as
    ``#/$defs/JsonValue``, which ``with_defs`` attaches to the schema a validator compiles.
    """
    if isinstance(node, dict):
        if "$ref" in node:
            ref = node["$ref"]
            siblings = inline_refs({k: v for k, v in node.items() if k != "$ref"}, root, _expanding)
            if ref in _expanding:
                return {"$ref": _DEFS + ref.rsplit("/", 1)[-1], **siblings}
            return {**inline_refs(resolve_pointer(root, ref), root, _expanding | {ref}), **siblings}
        return {k: inline_refs(v, root, _expanding) for k, v in node.items()}
    if isinstance(node, list):
        return [inline_refs(v, root, _expanding) for v in node]
    return node


_DEFS = "#/$defs/"
_SCHEMAS = "#/components/schemas/"


def with_defs(schema: Mapping[str, Any], root: Mapping[str, Any]) -> dict[str, Any]:
    """Return an inlined ``schema`` with the recursive schemas it refers to under ``$defs``."""
    names = sorted(set(re.findall(r'"#/\$defs/([^"]+)"', orjson.dumps(schema).decode())))
    if not names:
        return dict(schema)
    defs = {n: inline_refs(resolve_pointer(root, _SCHEMAS + n), root, frozenset({_SCHEMAS + n})) for n in names}
    return {**schema, "$defs": defs}


def resolve_pointer(root: Mapping[str, Any], ref: str) -> Any:
    """Follow a local JSON pointer such as ``#/components/schemas/Event``."""
    node: Any = root
    for token in ref.lstrip("#/").split("/"):
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return node


def _strip_extensions(node: Any) -> Any:
    """Drop OpenAPI-only keywords that JSON Schema validators don't know."""
    if isinstance(node, dict):
        return {
            k: _strip_extensions(v)
            for k, v in node.items()
            if not k.startswith("x-") and k not in ("example", "examples", "discriminator", "xml", "externalDocs")
        }
    if isinstance(node, list):
        return [_strip_extensions(v) for v in node]
    return node


class SchemaValidator:
    """Validate instances against one schema: a fast verdict, then detailed errors.

    The Rust validator gives the yes/no verdict on the hot path; the reference
    ``jsonschema`` implementation explains a failure (and has the last word).
    """

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = _strip_extensions(copy.deepcopy(dict(schema)))
        self._fast = jsonschema_rs.Draft202012Validator(self.schema, validate_formats=True)
        self._reference = Draft202012Validator(self.schema, format_checker=_format_checker())

    def is_valid(self, instance: Any) -> bool:
        """Return the fast verdict alone (the reference agrees: tests/test_spec_verdicts.py)."""
        return self._fast.is_valid(instance)

    def reference_is_valid(self, instance: Any) -> bool:
        """Return the reference implementation's verdict (slow; for the agreement tests)."""
        return self._reference.is_valid(instance)

    def errors(self, instance: Any, prefix: str = "") -> list[FieldError]:
        """Return every problem with ``instance``, sorted, at most ``MAX_DETAILS``."""
        return [error for _, error in self.keyword_errors(instance, prefix)]

    def keyword_errors(self, instance: Any, prefix: str = "") -> list[tuple[str, FieldError]]:
        """Return every problem with ``instance`` with the schema keyword it breaks (``type``, ``required``...).

        The contract proxy names the rule of each violation with that keyword.
        """
        if self._fast.is_valid(instance):
            return []
        found: list[tuple[str, FieldError]] = []
        for error in self._reference.iter_errors(instance):
            found.extend((str(error.validator), described) for described in describe(error, prefix))
            if len(found) >= MAX_DETAILS:
                break
        unique = {described: keyword for keyword, described in found}
        ordered = sorted(unique, key=lambda e: (e.field, e.message))[:MAX_DETAILS]
        return [(unique[described], described) for described in ordered]


def describe(error: ValidationError, prefix: str = "") -> Iterator[FieldError]:
    """Turn one jsonschema error into field-level messages."""
    path = list(error.absolute_path)
    kind, expected, instance = error.validator, error.validator_value, error.instance
    if kind == "required":
        for name in expected:
            if isinstance(instance, dict) and name not in instance:
                yield FieldError(json_path([*path, name], prefix), "is required")
        return
    if kind == "additionalProperties" and isinstance(instance, dict):
        known = set(error.schema.get("properties", {}))
        for name in instance:
            if name not in known:
                yield FieldError(json_path([*path, name], prefix), "is not allowed")
        return
    yield FieldError(json_path(path, prefix), _message(str(kind), expected, error))


def _message(kind: str, expected: Any, error: ValidationError) -> str:
    if kind == "type":
        names = expected if isinstance(expected, list) else [expected]
        return "must be of type " + " or ".join(str(n) for n in names)
    if kind == "enum":
        return "must be one of: " + ", ".join(str(v) for v in expected)
    if kind == "const":
        return f"must be {orjson.dumps(expected).decode()}"
    if kind == "minLength":
        return "must not be empty" if expected == 1 else f"must be at least {expected} characters"
    if kind == "maxLength":
        return f"must be at most {expected} characters"
    if kind == "minItems":
        return f"must have at least {expected} item{'s' if expected != 1 else ''}"
    if kind == "maxItems":
        return f"must have at most {expected} items"
    if kind == "minimum":
        return f"must be at least {expected}"
    if kind == "maximum":
        return f"must be at most {expected}"
    if kind == "pattern" and expected == "^[^/]*$":
        return "must not contain '/' (no /analytics/stream/{streamId} URL could name it)"
    if kind == "format" and expected == "date-time":
        return "must be an RFC 3339 date-time, e.g. 2026-11-27T10:00:00Z"
    return error.message


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str
    required: bool
    schema: Mapping[str, Any]


@dataclass
class Operation:
    """One operation of the spec, with compiled validators."""

    operation_id: str
    method: str
    path: str
    parameters: list[Parameter]
    body_schema: Mapping[str, Any] | None
    responses: Mapping[str, Any]
    _validators: dict[str, SchemaValidator] = field(default_factory=dict, repr=False)

    @cached_property
    def body(self) -> SchemaValidator | None:
        return SchemaValidator(self.body_schema) if self.body_schema is not None else None

    def params(self, location: str) -> SchemaValidator:
        """Return a validator for the parameters in ``location`` seen as one object."""
        if location not in self._validators:
            own = [p for p in self.parameters if p.location == location]
            schema = {
                "type": "object",
                "properties": {p.name: p.schema for p in own},
                "required": [p.name for p in own if p.required],
            }
            self._validators[location] = SchemaValidator(schema)
        return self._validators[location]

    def defaults(self, location: str) -> dict[str, Any]:
        """Return the default value of every parameter in ``location`` that has one."""
        return {
            p.name: p.schema["default"]
            for p in self.parameters
            if p.location == location and "default" in p.schema
        }

    def example(self, status: str, name: str | None = None) -> tuple[Any, Mapping[str, Any]] | None:
        """Return (example body, response object) for ``status``; None if undocumented."""
        response = self.responses.get(status)
        if response is None:
            return None
        media = response.get("content", {}).get("application/json", {})
        examples = media.get("examples") or {}
        if name is not None:
            chosen = examples.get(name)
            return (chosen["value"], response) if chosen else None
        first = next(iter(examples.values()), None)
        return (first["value"] if first else None, response)


class Spec:
    """The loaded OpenAPI document and its compiled operations."""

    def __init__(self, document: Mapping[str, Any], raw_yaml: str) -> None:
        self.document = document
        self.raw_yaml = raw_yaml
        self.json_bytes = orjson.dumps(document)
        self.operations = {op.operation_id: op for op in self._operations()}

    @classmethod
    def load(cls, path: str | Path) -> "Spec":
        """Read and compile the spec at ``path``; reused while the file is unchanged."""
        resolved = Path(path).resolve()
        return _load_cached(resolved, resolved.stat().st_mtime_ns)

    def schema(self, name: str) -> Mapping[str, Any]:
        """Return component schema ``name`` with every ``$ref`` inlined (recursive ones under ``$defs``)."""
        return with_defs(inline_refs(self.document["components"]["schemas"][name], self.document), self.document)

    @cached_property
    def event_validator(self) -> SchemaValidator:
        return SchemaValidator(self.schema("Event"))

    @cached_property
    def event_list_validator(self) -> SchemaValidator:
        """Judge a batch's items in one call: valid iff every item is a valid ``Event``."""
        event = dict(self.schema("Event"))
        defs = event.pop("$defs", {})
        return SchemaValidator({"type": "array", "items": event, "$defs": defs})

    def allowed_methods(self, path: str) -> list[str]:
        """Return the methods declared for OpenAPI ``path``."""
        item = self.document["paths"].get(path, {})
        return [m.upper() for m in HTTP_METHODS if m in item]

    def _operations(self) -> Iterator[Operation]:
        for path, item in self.document["paths"].items():
            shared = item.get("parameters", [])
            for method in HTTP_METHODS:
                if method not in item:
                    continue
                op = inline_refs(item[method], self.document)
                params = [*inline_refs(shared, self.document), *op.get("parameters", [])]
                body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
                yield Operation(
                    operation_id=op["operationId"],
                    method=method.upper(),
                    path=path,
                    parameters=[
                        Parameter(p["name"], p["in"], p.get("required", False), p.get("schema", {}))
                        for p in params
                    ],
                    body_schema=with_defs(body["schema"], self.document) if "schema" in body else None,
                    responses=op.get("responses", {}),
                )


@lru_cache(maxsize=8)
def _load_cached(path: Path, mtime_ns: int) -> Spec:
    # Specs are read-only after compilation, so apps in one process can share them.
    text = path.read_text(encoding="utf-8")
    return Spec(yaml.safe_load(text), text)
