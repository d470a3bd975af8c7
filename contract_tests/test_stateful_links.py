"""Layer 3: a Schemathesis state machine follows the spec's links.

trackEvent -> getStreamAnalytics via `$request.body#/properties/streamId` (and the batch's
first event): a stream just tracked must be readable, and every response must conform.
"""

from __future__ import annotations

import hypothesis

from .kit import Target, target_from_env
from .schemathesis_setup import PROFILE_SETTINGS, load_schema

# Built at import: Schemathesis derives the state machine from the loaded schema.
WaveLinks = load_schema(target_from_env()).as_state_machine()


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
