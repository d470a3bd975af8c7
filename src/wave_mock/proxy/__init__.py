"""``wave-mock proxy``: check a real deployment's live traffic against the contract and the numbers.

    client ──> proxy ──────────────────────────────> upstream (a WAVE deployment)
                │  forwards every request, auth included; returns the answer unchanged
                ├─ checker.py   request + response vs the spec (documented view, or --strict)
                │                 -> X-Wave-Contract header, GET /_mock/violations, access log, UI
                ├─ shadow.py    events the upstream accepted -> a wave-mock EventStore per key
                ├─ drift.py     upstream numbers vs wave-mock's analytics over the shadow store,
                │                 once the upstream has settled -> GET /_mock/drift, UI
                ├─ recorder.py  --record FILE.har / FILE.jsonl, keys redacted (wave_mock.har)
                └─ replay.py    wave-mock contract --replay FILE: the same checker, offline

It imports what it shares with the mock (spec validators, body parser, store, analytics,
CORS policy, access log) and copies none of it. ``app.py`` wires it; ``cli.py`` serves it
with the mock's server machinery (granian + the RSGI bridge, ``wave_mock.server``).
"""
