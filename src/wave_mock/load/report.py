"""The final report: counts, rate, per-operation latency, the split and convergence; text, JSON and CSV."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import orjson

CSV_COLUMNS = ("operation", "requests", "failures", "p50_ms", "p95_ms", "p99_ms", "avg_ms", "max_ms")
SUMMARY_KEYS = ("events", "sent", "accepted", "rejected", "throttled429", "errors", "failed", "notSent",
                "inDoubt", "lost", "eventsPerSecond", "seconds", "ok")


def operations(stats: Any) -> list[dict[str, Any]]:
    """Return one row per operation from Locust's (master-aggregated) statistics."""
    rows = []
    for entry in sorted(stats.entries.values(), key=lambda e: (e.name, e.method)):
        if not entry.num_requests:
            continue
        rows.append({
            "operation": f"{entry.method} {entry.name}",
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "p50_ms": entry.get_response_time_percentile(0.5),
            "p95_ms": entry.get_response_time_percentile(0.95),
            "p99_ms": entry.get_response_time_percentile(0.99),
            "avg_ms": round(entry.avg_response_time, 3),
            "max_ms": round(entry.max_response_time or 0, 3),
        })
    return rows


def problems(report: dict[str, Any]) -> list[str]:
    """Return why the run failed, one line each (empty: it passed)."""
    out = []
    if report["notSent"]:
        out.append(f"{report['notSent']} events not sent ({report['notSentReason']}); they are in {report['unsentFile']}")
    if report["inDoubt"]:
        out.append(f"{report['inDoubt']} events in doubt: in flight when their worker vanished, and the target "
                   "cannot say whether it stored them")
    if report["failed"]:
        out.append(f"{report['failed']} events not delivered: retries ran out")
    if report["rejected"]:
        out.append(f"{report['rejected']} events rejected by the target")
    if report["lost"]:
        out.append(f"lost events: the target acknowledged {report['accepted']} events but stored "
                   f"{report['stored']} ({report['lost']} lost)")
    conv = report["convergence"]
    if conv.get("converged") is False:
        out.append(f"wrong numbers: {conv['differenceCount']} metric values still differ after "
                   f"{conv['seconds']:.1f}s of --settle")
    return out


def render_text(report: dict[str, Any]) -> str:
    """Return the human summary printed at the end of a run."""
    lines = [
        f"load: {report['events']:,} events to {report['target']} ({report['mode']}"
        + (f", timestamps shifted by {report['shiftSeconds']:+,.3f}s" if report["mode"] == "shifted" else "") + ")",
        f"  sent {report['sent']:,}, accepted {report['accepted']:,}, rejected {report['rejected']:,}, "
        f"429s {report['throttled429']:,}, errors {report['errors']:,}, not sent {report['notSent']:,}",
        f"  {report['eventsPerSecond']:,.0f} events/s over {report['seconds']:.2f}s",
    ]
    for part in report["split"]:
        lines.append(f"  part {part['part']} -> {part['worker']}: {part['events']:,} events in {part['lanes']} lanes, "
                     f"{len(part['streams'])} streams + {part['otherKeys']} sessions outside streams")
    for op in report["operations"]:
        lines.append(f"  {op['operation']}: {op['requests']:,} requests, {op['failures']:,} failed, "
                     f"p50 {op['p50_ms']} ms, p95 {op['p95_ms']} ms, p99 {op['p99_ms']} ms")
    if report["stored"] is not None:
        lines.append(f"  stored by the target: {report['stored']:,} (its /_mock/stats)")
    conv = report["convergence"]
    if conv.get("converged"):
        lines.append(f"  numbers correct after {conv['seconds']:.2f}s ({conv['compared']:,} values compared)")
    elif conv.get("skipped"):
        lines.append(f"  numbers not checked: {conv['skipped']}")
    for diff in conv.get("differences", [])[:20]:
        lines.append(f"  differs: {diff}")
    lines += [f"FAILED: {line}" for line in report["problems"]] or ["OK: every event delivered once, numbers exact"]
    return "\n".join(lines)


def write_json(report: dict[str, Any], path: Path) -> None:
    path.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE))


def write_csv(report: dict[str, Any], path: Path) -> None:
    """Write one row per operation, then ``summary`` rows (``key,value``) for CI dashboards."""
    with open(path, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(CSV_COLUMNS)
        for op in report["operations"]:
            out.writerow([op[c] for c in CSV_COLUMNS])
        out.writerow([])
        out.writerow(["summary", "value"])
        for key in SUMMARY_KEYS:
            out.writerow([key, report[key]])
        out.writerow(["converged", report["convergence"].get("converged")])
        out.writerow(["secondsToCorrect", report["convergence"].get("seconds")])
