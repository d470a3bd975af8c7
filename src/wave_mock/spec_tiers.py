"""Two tiers in one contract: the full spec, and its *documented view*.

``openapi/wave-analytics.yaml`` is wave-mock's full contract. Where the WAVE docs are
silent, wave-mock made decisions, and those parts carry a vendor extension:

    x-wave-tier: decided          on a response  -> its exact status code is decided
                                                    (the view folds it into "4XX", any body)
                                  on a property  -> the field is decided (the view drops it,
                                                    and from ``required``)
                                  on a component -> the whole schema is decided (the view
                                     schema          keeps only its description: anything goes)
    x-wave-decided: [kw, ...]     on a schema    -> those keywords are decided (the view drops
                                                    them: e.g. additionalProperties, maxLength)

``documented_view(spec)`` returns a copy that keeps only what follows from the docs. A target
that is not wave-mock is held to that view; the mock itself, the contract kit on a strict
target, and the future proxy read the full spec (the mock's validators ignore ``x-`` keys).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

TIER = "x-wave-tier"
DECIDED_KEYWORDS = "x-wave-decided"
DECIDED = "decided"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ANY_CLIENT_ERROR = {
    "description": "A client error. Which 4xx, and its body, are wave-mock's decisions (x-wave-tier: decided).",
}
# Schema keywords whose values are schemas, lists of schemas, or maps of schemas.
_SUBSCHEMA = ("items", "not", "additionalProperties", "contains", "if", "then", "else", "propertyNames")
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs")


def is_decided(node: Any) -> bool:
    """Tell whether a spec node is marked ``x-wave-tier: decided``."""
    return isinstance(node, dict) and node.get(TIER) == DECIDED


def documented_view(spec: dict[str, Any]) -> dict[str, Any]:
    """Return the documented view of ``spec``: every decided part removed or relaxed.

    >>> view = documented_view({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {},
    ...     "components": {"schemas": {"E": {"type": "object", "additionalProperties": False,
    ...         "x-wave-decided": ["additionalProperties"], "required": ["a", "t"],
    ...         "properties": {"a": {"type": "string"}, "t": {"type": "string", "x-wave-tier": "decided"}}}}}})
    >>> view["components"]["schemas"]["E"]
    {'type': 'object', 'required': ['a'], 'properties': {'a': {'type': 'string'}}}
    """
    view = copy.deepcopy(spec)
    components = view.get("components", {})
    for path_item in view.get("paths", {}).values():
        for method, operation in path_item.items():
            if method in HTTP_METHODS:
                _relax_operation(operation, components)
    for name, schema in list(components.get("schemas", {}).items()):
        components["schemas"][name] = _whole_schema(schema)
    for response in components.get("responses", {}).values():
        _relax_response(response)
    for header in components.get("headers", {}).values():
        _relax_parameter(header)
    for parameter in components.get("parameters", {}).values():
        _relax_parameter(parameter)
    view.setdefault("info", {})["x-wave-view"] = "documented"
    return view


def load_documented_view(path: str | Path) -> dict[str, Any]:
    """Read a spec file and return its documented view."""
    with open(path, encoding="utf-8") as fh:
        return documented_view(yaml.safe_load(fh))


def _relax_operation(operation: dict[str, Any], components: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        _relax_parameter(parameter)
    for media in operation.get("requestBody", {}).get("content", {}).values():
        _relax_media(media)
    responses = operation.get("responses", {})
    folded = [code for code, response in responses.items() if is_decided(_resolve(response, components))]
    for code in folded:
        del responses[code]
    if any(code.startswith("4") for code in folded):
        responses.setdefault("4XX", dict(ANY_CLIENT_ERROR))
    for response in responses.values():
        if "$ref" not in response:
            _relax_response(response)


def _relax_response(response: dict[str, Any]) -> None:
    for header in response.get("headers", {}).values():
        _relax_parameter(header)
    for media in response.get("content", {}).values():
        _relax_media(media)


def _relax_parameter(parameter: dict[str, Any]) -> None:
    if "schema" in parameter:
        parameter["schema"] = _relax_schema(parameter["schema"])


def _relax_media(media: dict[str, Any]) -> None:
    if "schema" in media:
        media["schema"] = _relax_schema(media["schema"])


def _whole_schema(schema: Any) -> Any:
    """A decided component schema keeps only its description; others are relaxed inside."""
    if is_decided(schema):
        return {k: v for k, v in schema.items() if k == "description"}
    return _relax_schema(schema)


def _relax_schema(schema: Any) -> Any:
    """Drop decided keywords and decided properties, recursively."""
    if not isinstance(schema, dict):
        return schema
    out = {k: v for k, v in schema.items() if k not in schema.get(DECIDED_KEYWORDS, ()) and k != DECIDED_KEYWORDS}
    for key in _SUBSCHEMA:
        if key in out:
            out[key] = _relax_schema(out[key])
    for key in _SUBSCHEMA_LISTS:
        if key in out:
            out[key] = [_relax_schema(item) for item in out[key]]
    for key in _SUBSCHEMA_MAPS:
        if isinstance(out.get(key), dict):
            out[key] = {name: _relax_schema(sub) for name, sub in out[key].items() if not (key == "properties" and is_decided(sub))}
    dropped = set(schema.get("properties", {})) - set(out.get("properties", {}))
    if dropped and "required" in out:
        out["required"] = [name for name in out["required"] if name not in dropped]
        if not out["required"]:
            del out["required"]
    return out


def _resolve(node: Any, components: dict[str, Any]) -> Any:
    """Follow one local ``#/components/...`` reference."""
    ref = node.get("$ref") if isinstance(node, dict) else None
    if not ref:
        return node
    parts = ref.removeprefix("#/components/").split("/")
    return components.get(parts[0], {}).get(parts[1], node) if len(parts) == 2 else node
