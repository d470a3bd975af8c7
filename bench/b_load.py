"""B9: events/s delivered into a local mock by ``wave-mock load --workers 2`` against ``fixtures replay``.

Both sides send the same generated fixture, each into its own fresh mock with the key's
clock frozen at the fixture's "now", in the same run. Afterwards this bench reads every
stream's metrics back and compares them with the generator's expected file itself (not
trusting either tool's own check): the target is 0 lost and exact numbers.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import requests

from common import AUTH, DEV_KEY, VENV_BIN, Options, Proc, Result, free_port, mock_command

PERIODS = ("1h", "24h", "7d", "30d")


def _generate(opts: Options) -> Path:
    streams, viewers = (10, 150) if opts.quick else (40, 400)
    out = opts.work / "b9.jsonl"
    subprocess.run([str(VENV_BIN / "wave-mock"), "fixtures", "generate", "--seed", "9", "--streams", str(streams),
                    "--viewers", str(viewers), "--duration", "6h", "--profile", "launch", "--out", str(out)],
                   check=True, capture_output=True, timeout=1800)
    return out


def _check(root: str, expected: dict, lines: int) -> tuple[int, int]:
    """Return (events missing from the mock, metric values that differ from the expected file)."""
    stored = requests.get(f"{root}/_mock/stats", headers=AUTH, timeout=30).json()["accepted"]
    wrong = 0
    for sid, periods in expected["streams"].items():
        for period in PERIODS:
            got = requests.get(f"{root}/api/v1/analytics/stream/{sid}", params={"period": period}, headers=AUTH,
                               timeout=30).json()
            wrong += got != periods[period]
    return lines - stored, wrong


def _side(opts: Options, name: str, command: list[str], fixture: Path, expected: dict, lines: int) -> dict:
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    with Proc(name, mock_command(port, "--no-access-log"), port, root + "/_mock/health", log=opts.work / f"b9-{name}.log"):
        requests.post(f"{root}/_mock/clock", json={"now": expected["now"]}, headers=AUTH, timeout=10).raise_for_status()
        began = time.perf_counter()
        run = subprocess.run([*command, "--base-url", f"{root}/api/v1", "--api-key", DEV_KEY], capture_output=True,
                             text=True, timeout=3600, cwd=opts.work)
        wall = time.perf_counter() - began
        missing, wrong = _check(root, expected, lines)
    return {"exit": run.returncode, "wall": wall, "missing": missing, "wrong": wrong, "tail": run.stdout[-300:]}


def bench_b9(opts: Options) -> list[Result]:
    fixture = _generate(opts)
    expected = json.loads(fixture.with_name("b9.expected.json").read_text())
    lines = sum(1 for line in fixture.open("rb") if line.strip())
    wm = str(VENV_BIN / "wave-mock")
    replay = _side(opts, "replay", [wm, "fixtures", "replay", str(fixture), "--no-progress"], fixture, expected, lines)
    report_path = opts.work / "b9-load-report.json"
    report_path.unlink(missing_ok=True)  # never read a previous run's report
    load = _side(opts, "load", [wm, "load", str(fixture), "--frozen", "--workers", "2", "--settle", "30",
                                "--report-json", str(report_path)], fixture, expected, lines)
    report = json.loads(report_path.read_text()) if report_path.exists() else {}
    send_rate = report.get("eventsPerSecond")
    rows = [
        Result("B9", "fixtures replay", "events/s", round(lines / replay["wall"]), "events/s", "", None,
               f"{lines} events in {replay['wall']:.1f} s (whole command); missing {replay['missing']}, "
               f"wrong values {replay['wrong']}, exit {replay['exit']}"),
        Result("B9", "load --workers 2", "events/s", round(lines / load["wall"]), "events/s", "", None,
               f"whole command {load['wall']:.1f} s incl. worker start-up and convergence; send phase "
               f"{report.get('seconds')} s = {send_rate} events/s; exit {load['exit']}"),
        Result("B9", "load --workers 2", "send-phase events/s", send_rate, "events/s", "", None,
               f"Locust's send phase only (report 'eventsPerSecond'); vs replay: "
               f"{(send_rate or 0) / (lines / replay['wall']):.2f}x"),
        Result("B9", "load --workers 2", "lost + wrong values", load["missing"] + load["wrong"], "", "== 0",
               load["missing"] == 0 and load["wrong"] == 0 and load["exit"] == 0,
               f"missing {load['missing']} of {lines} events, {load['wrong']} of "
               f"{len(expected['streams']) * len(PERIODS)} stream bodies differ from the expected file"),
    ]
    return rows
