"""Event builders shared by the metric, store and analytics tests."""

from __future__ import annotations

from typing import Any

from wave_mock.events import Event, make_event

# An hour-aligned instant (1_800_000_000 / 3600 == 500_000) so window edges are easy to reason about.
T0 = 1_800_000_000.0


class Builder:
    """Build events with sequential ids: ``ev("viewer.joined", 10, viewer="a")``.

    Times are seconds relative to ``T0``.
    """

    def __init__(self, tenant: str = "t1") -> None:
        self.tenant = tenant
        self.count = 0

    def __call__(
        self,
        name: str,
        at: float,
        *,
        viewer: str | None = None,
        stream: str | None = "s1",
        session: str = "sess",
        platform: str = "web",
        tenant: str | None = None,
        **props: Any,
    ) -> Event:
        self.count += 1
        body: dict[str, Any] = {
            "eventType": name.split(".", 1)[0],
            "eventName": name,
            "sessionId": session,
            "platform": platform,
            "properties": {**({"streamId": stream} if stream else {}), **props},
        }
        if viewer is not None:
            body["userId"] = viewer
        return make_event(
            body,
            event_id=f"e{self.count:06d}",
            tenant=tenant or self.tenant,
            time=T0 + at,
            received_at=T0 + at,
        )


# Names a random history draws from: the stream vocabulary plus one non-stream event.
RANDOM_NAMES = (
    "stream.started", "stream.ended", "viewer.joined", "viewer.left", "viewer.joined", "viewer.left",
    "playback.started", "playback.rebuffer", "playback.quality_changed", "playback.error", "page.viewed",
)


def build_history(specs: list[tuple[int, float, int, int, int]], builder: Builder | None = None) -> list[Event]:
    """Turn ``(name index, time, viewer, stream, sample)`` tuples into events.

    Samples feed whichever numeric property the name carries; page views have no stream.
    """
    ev = builder or Builder()
    out = []
    for name_index, at, viewer, stream, sample in specs:
        name = RANDOM_NAMES[name_index % len(RANDOM_NAMES)]
        props = {
            "playback.started": {"startupTimeMs": sample},
            "playback.rebuffer": {"durationMs": sample},
            "playback.quality_changed": {"bitrateKbps": sample},
            "playback.error": {"code": "E", "fatal": sample % 2 == 0},
        }.get(name, {})
        stream_id = None if name == "page.viewed" else f"s{stream}"
        out.append(ev(name, at, viewer=f"v{viewer}", stream=stream_id, session=f"x{viewer}",
                      platform=("web", "ios", "android")[viewer % 3], **props))
    return out
