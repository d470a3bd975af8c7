"""Layer 3: a Schemathesis state machine follows the spec's links.

trackEvent -> getStreamAnalytics via `$request.body#/properties/streamId` (and the batch's
first event): a stream just tracked must be readable, and every response must conform.
"""

from __future__ import annotations

from .kit import target_from_env
from .schemathesis_setup import load_schema

WaveLinks = load_schema(target_from_env()).as_state_machine()
TestWaveLinks = WaveLinks.TestCase
