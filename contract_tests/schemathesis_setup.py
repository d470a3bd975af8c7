"""Build the Schemathesis schema for a target: which spec view, base URL, auth, seed, profile, pace.

A strict target is tested against the full spec; any other against its documented view
(``wave_mock.spec_tiers``), where only a 4xx is asked of bad input and decided fields are absent.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import schemathesis
import yaml
from schemathesis.config import SchemathesisConfig
from schemathesis.schemas import BaseSchema

from wave_mock.spec_tiers import documented_view

from .kit import Target

# Examples per operation and phase; stateful scenarios and steps per scenario.
PROFILE_SETTINGS: dict[str, dict[str, int]] = {
    "quick": {"max_examples": 25, "max_steps": 10, "scenarios": 15},
    "deep": {"max_examples": 500, "max_steps": 50, "scenarios": 200},
}
# Documented tier: the docs ask bad input for a 4xx, not for a particular one (422 is fine).
DOCUMENTED_CHECKS = {"negative_data_rejection": {"expected-statuses": ["4XX"]}}


def rate_limit(max_rps: float) -> str:
    """Schemathesis' rate-limit setting for at most ``max_rps`` requests per second.

    >>> rate_limit(20), rate_limit(2.5), rate_limit(0.5)
    ('20/s', '150/m', '30/m')
    """
    if max_rps >= 1 and max_rps == int(max_rps):
        return f"{int(max_rps)}/s"
    return f"{max(1, int(max_rps * 60))}/m"


def schemathesis_config(target: Target) -> dict[str, Any]:
    """Return the schemathesis.toml equivalent for ``target``: every phase and default check on."""
    settings = PROFILE_SETTINGS[target.profile]
    config: dict[str, Any] = {
        "seed": target.seed,
        "base-url": target.base_url,
        "headers": {"Authorization": f"Bearer {target.api_key}"},
        "generation": {
            "max-examples": settings["max_examples"],
            # No example database: runs reproduce from the seed alone and write nothing to disk.
            "database": "none",
        },
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": True},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": True, "max-steps": settings["max_steps"]},
        },
        "checks": {"enabled": True, **({} if target.strict else DOCUMENTED_CHECKS)},
        "request-timeout": 30,
        # Failure curls name the variable instead of the key (plugin.py makes the quoting runnable).
        "output": {"sanitization": {"replacement": "Bearer $WAVE_API_KEY"}},
        # Connection errors only; 429 and 503 are waited out by schemathesis_judge.call.
        "request-retries": 2,
    }
    if target.max_rps:
        config["rate-limit"] = rate_limit(target.max_rps)
    return config


@lru_cache(maxsize=4)
def _spec(path: str, documented: bool) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        spec = yaml.safe_load(fh)
    return documented_view(spec) if documented else spec


def load_schema(target: Target, *, full: bool = False) -> BaseSchema:
    """Load the spec view ``target`` is held to (or the full spec, with ``full``)."""
    config = SchemathesisConfig.from_dict(schemathesis_config(target))
    documented = not (full or target.strict)
    schema = schemathesis.openapi.from_dict(_spec(target.spec_path, documented), config=config)
    if documented:
        schema.hook(_map_case_factory(_event_fields(target.spec_path)))
    return schema


def _event_fields(spec_path: str) -> frozenset[str]:
    return frozenset(_spec(spec_path, True)["components"]["schemas"]["Event"]["properties"])


def _map_case_factory(known: frozenset[str]) -> Any:
    def map_case(context: Any, case: Any) -> Any:
        """Positive events carry only documented fields: a target may reject unknown ones."""
        meta = getattr(case, "meta", None)
        if meta is None or not meta.generation.mode.is_positive or not isinstance(case.body, dict):
            return case
        if "events" in case.body and isinstance(case.body["events"], list):
            case.body = {"events": [_known_only(item, known) for item in case.body["events"]]}
        elif "eventType" in case.body or "sessionId" in case.body:
            case.body = _known_only(case.body, known)
        return case

    return map_case


def _known_only(item: Any, known: frozenset[str]) -> Any:
    """Drop the top-level keys of an event that the docs do not list.

    >>> _known_only({"eventType": "t", "x": 1}, frozenset({"eventType"}))
    {'eventType': 't'}
    """
    return {k: v for k, v in item.items() if k in known} if isinstance(item, dict) else item
