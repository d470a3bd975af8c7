"""Layer 3: a Schemathesis state machine follows the spec's links.

trackEvent -> getStreamAnalytics via `$request.body#/properties/streamId` (and the batch's
first event): a stream just tracked must be readable, and every response must conform
(to the full spec on a strict target, to the documented view elsewhere).
"""

from __future__ import annotations

from typing import Any

import hypothesis
from schemathesis import Case, Response

from .kit import Target, target_from_env
from .schemathesis_judge import call, validate
from .schemathesis_setup import PROFILE_SETTINGS, load_schema

TARGET = target_from_env()
SCHEMA = load_schema(TARGET)
FULL = SCHEMA if TARGET.strict else load_schema(TARGET, full=True)


class WaveLinks(SCHEMA.as_state_machine()):  # type: ignore[misc]
    """Built at import: Schemathesis derives the state machine from the loaded schema."""

    def call(self, case: Case, **kwargs: Any) -> Response:
        return call(case, **kwargs)

    def validate_response(self, response: Response, case: Case, additional_checks: Any = None, **kwargs: Any) -> None:
        validate(case, response, TARGET, FULL, additional_checks=additional_checks,
                 transport_kwargs=kwargs or None, recorder=self.recorder)


def test_linked_calls_conform_to_the_spec(target: Target) -> None:
    profile = PROFILE_SETTINGS[target.profile]
    settings = hypothesis.settings(
        max_examples=profile["scenarios"],
        stateful_step_count=profile["max_steps"],
        database=None,
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    # hypothesis.seed on the class is how run_state_machine_as_test picks up a seed.
    hypothesis.seed(target.seed)(WaveLinks).run(settings=settings)
