"""Realism switches: make the mock behave like a deployed service (``serve --ingest-lag/--rate-limit``).

Frontend developers use them to see loading states and backoff; the contract kit's proof
target (tests/targets/) uses them to look like a real deployment::

    request ──> auth ──> RateLimiter.admit(tenant) ──429 + Retry-After──> client
                              │ (WAVE endpoints only)
                              v
               Ingestor.store_events ──> journal (durable at once)
                              │
                              v
                   IngestLag.hold ──(seconds of real time)──> EventStore ──> analytics reads
                              │
                              └──> /_mock/events lists the held events at once, marked pending

Both measure real elapsed time (``Clock.ticks``), never the mock clock: a frozen or moved
mock clock neither stalls nor skips the lag, and cannot refill a token bucket.
"""

from wave_mock.realism.lag import IngestLag, Pending
from wave_mock.realism.ratelimit import RateLimiter

__all__ = ["IngestLag", "Pending", "RateLimiter"]
