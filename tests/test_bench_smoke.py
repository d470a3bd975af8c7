"""The benchmark harness (bench/) parses wrk reports and runs end to end at tiny sizes.

The end-to-end run is marked ``slow`` so the bench stays out of the default test run.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

from wrkload import parse_wrk, parse_wrk_text  # noqa: E402

WRK_REPORT = """Running 2s test @ http://127.0.0.1:8787/api/v1/analytics/events
  2 threads and 10 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.20ms    2.10ms  37.71ms   90.00%
    Req/Sec     1.06k   100.00     1.20k    70.00%
  Latency Distribution
     50%    4.24ms
     75%    5.00ms
     90%    6.00ms
     99%  850.00us
  4224 requests in 2.00s, 1.00MB read
  Non-2xx or 3xx responses: 3
Requests/sec:   2108.00
Transfer/sec:    500.00KB
"""


def test_wrk_text_report_yields_rate_percentiles_and_errors() -> None:
    result = parse_wrk_text(WRK_REPORT)
    assert (result.requests, result.rps, result.non_2xx) == (4224, 2108.0, 3)
    assert result.p50_ms == pytest.approx(4.24)
    assert result.p99_ms == pytest.approx(0.85)


def test_wrk_json_line_takes_precedence_over_the_text() -> None:
    line = ('WRKJSON {"requests": 100, "duration_us": 2000000, "bytes": 1, "status_errors": 0, "connect_errors": 0, '
            '"read_errors": 0, "write_errors": 0, "timeouts": 0, "p50_us": 1500, "p90_us": 2000, "p99_us": 3000, '
            '"max_us": 4000, "mean_us": 1.0}')
    result = parse_wrk(WRK_REPORT + line + "\n")
    assert (result.requests, result.rps, result.p50_ms, result.non_2xx) == (100, 50.0, 1.5, 0)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (apt-get install -y wrk)")
def test_quick_bench_run_writes_rows_for_the_mock(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    command = [sys.executable, str(BENCH / "run.py"), "--quick", "--only", "B1,B4", "--sides", "mock",
               "--duration", "1", "--work", str(tmp_path), "--out", str(out)]
    subprocess.run(command, check=False, timeout=120, capture_output=True)
    report = json.loads(out.read_text())
    rows = {(r["bench"], r["side"], r["metric"]): r["value"] for r in report["results"]}
    assert rows[("B1", "mock", "req/s")] > 0
    assert rows[("B4", "20k events", "RSS per event")] > 0
    assert report["machine"]["cores"] >= 1
