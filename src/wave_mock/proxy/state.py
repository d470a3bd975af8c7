"""Everything one proxy holds: built once by ``create_proxy_app``, shared by its two layers."""

from __future__ import annotations

import itertools
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from wave_mock.http.browser import CorsPolicy
from wave_mock.proxy.checker import Checker
from wave_mock.proxy.clock import UpstreamClock
from wave_mock.proxy.drift import DriftChecker
from wave_mock.proxy.ledger import Ledger
from wave_mock.proxy.recorder import Recorder
from wave_mock.proxy.shadow import Shadow
from wave_mock.proxy.upstream import Upstream

MARKS_KEPT = 50_000


@dataclass
class ProxyState:
    checker: Checker
    upstream: Upstream
    clock: UpstreamClock
    shadow: Shadow
    drift: DriftChecker
    ledger: Ledger
    recorder: Recorder | None
    cors: CorsPolicy | None
    enforce: bool
    access_log: bool
    check_host: bool
    keys: set[str] = field(default_factory=set)  # every key seen: masked in logs and recordings
    ids: Any = field(default_factory=lambda: itertools.count(1))
    marks: OrderedDict[str, dict[str, Any]] = field(default_factory=OrderedDict)  # event id -> its exchange's verdict

    def mark(self, event_ids: list[str], contract: dict[str, Any]) -> None:
        """Remember which exchange (with violations) carried these shadow events, for the feed."""
        for event_id in event_ids:
            self.marks[event_id] = contract
        while len(self.marks) > MARKS_KEPT:
            self.marks.popitem(last=False)
