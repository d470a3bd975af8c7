"""Build the Schemathesis schema for a target: base URL, auth header, seed, profile."""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.schemas import BaseSchema

from .kit import Target

# Examples per operation and phase; stateful scenarios and steps per scenario.
PROFILE_SETTINGS: dict[str, dict[str, int]] = {
    "quick": {"max_examples": 25, "max_steps": 10, "scenarios": 15},
    "deep": {"max_examples": 500, "max_steps": 50, "scenarios": 200},
}


def schemathesis_config(target: Target) -> dict[str, Any]:
    """Return the schemathesis.toml equivalent for ``target``: every phase and default check on."""
    settings = PROFILE_SETTINGS[target.profile]
    return {
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
        "checks": {"enabled": True},
        "request-timeout": 30,
    }


def load_schema(target: Target) -> BaseSchema:
    """Load the spec configured for ``target``."""
    config = SchemathesisConfig.from_dict(schemathesis_config(target))
    return schemathesis.openapi.from_path(target.spec_path, config=config)
