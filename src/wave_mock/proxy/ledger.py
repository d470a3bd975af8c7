"""The exchanges the proxy saw, with their violations, per tenant (newest kept, totals forever)."""

from __future__ import annotations

import threading
from collections import Counter, deque
from typing import Any


class Ledger:
    """Recent exchanges and running violation totals; thread-safe."""

    def __init__(self, keep: int = 2000) -> None:
        self.recent: deque[dict[str, Any]] = deque(maxlen=keep)
        self.totals: dict[str, Counter[str]] = {}
        self.lock = threading.Lock()

    def add(self, record: dict[str, Any]) -> None:
        """Keep one exchange summary (``tenant``, ``violations`` and what the page shows)."""
        with self.lock:
            self.recent.append(record)
            totals = self.totals.setdefault(record["tenant"], Counter())
            totals["exchanges"] += 1
            if record["violations"]:
                totals["exchangesWithViolations"] += 1
                totals["violations"] += len(record["violations"])
                for violation in record["violations"]:
                    totals[f"rule:{violation['rule']}"] += 1

    def summary(self, tenant: str) -> dict[str, Any]:
        with self.lock:
            totals = dict(self.totals.get(tenant, Counter()))
        by_rule = {k.removeprefix("rule:"): v for k, v in sorted(totals.items()) if k.startswith("rule:")}
        return {
            "exchanges": totals.get("exchanges", 0),
            "exchangesWithViolations": totals.get("exchangesWithViolations", 0),
            "violations": totals.get("violations", 0),
            "byRule": by_rule,
        }

    def violations(self, tenant: str, limit: int) -> list[dict[str, Any]]:
        """Return the newest violations, each with its exchange's request and response."""
        with self.lock:
            records = [r for r in reversed(self.recent) if r["tenant"] == tenant and r["violations"]]
        out: list[dict[str, Any]] = []
        for record in records:
            exchange = {k: v for k, v in record.items() if k not in ("violations", "tenant")}
            out.extend({**violation, "exchange": exchange} for violation in record["violations"])
            if len(out) >= limit:
                break
        return out[:limit]
