"""B8: the contract proxy's added latency: the proxy in front of the mock vs the mock alone.

One mock process serves both sides of the same run: side "mock" calls it directly, side
"proxy" calls ``wave-mock proxy --upstream`` in front of it. A paced client (open loop:
each request is due at its slot, latency counts from the slot, so queueing shows) sends
single trackEvent requests at ``RATE`` req/s on a few threads with kept-alive connections.
The client is libcurl (pycurl, ~0.14 ms CPU a request against urllib3's ~0.9 ms): on two
cores, client, mock and proxy share the CPU, and a heavy client would measure itself.
Added latency = proxy percentile - mock percentile. Target: added p50 <= 2 ms at 500 req/s.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import orjson
import pycurl

from common import DEV_KEY, VENV_BIN, Options, Proc, Result, check, free_port, mock_command, percentile

RATE = 500.0
CLIENT_THREADS = 4
TARGET_ADDED_P50_MS = 2.0


def _paced(url: str, seconds: float, rate: float = RATE) -> tuple[list[float], int]:
    """Send single events to ``url`` at ``rate`` req/s for ``seconds``; return latencies (ms) and failures."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    headers = {"Authorization": f"Bearer {DEV_KEY}", "Content-Type": "application/json"}
    start = time.perf_counter() + 0.2
    total = int(rate * seconds)

    def worker(offset: int) -> None:
        curl = pycurl.Curl()  # one kept-alive connection per thread
        mine: list[float] = []
        bad = 0
        for n in range(offset, total, CLIENT_THREADS):
            due = start + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            body = orjson.dumps({"eventType": "ui", "eventName": "bench.click", "sessionId": f"sess_{n % 97}",
                                 "properties": {"streamId": f"str_{n % 7}", "n": n}})
            curl.reset()
            curl.setopt(pycurl.URL, url)
            curl.setopt(pycurl.POSTFIELDS, body)
            curl.setopt(pycurl.HTTPHEADER, [f"{k}: {v}" for k, v in headers.items()] + ["Expect:"])
            curl.setopt(pycurl.WRITEFUNCTION, len)  # discard the answer
            curl.perform()
            mine.append((time.perf_counter() - due) * 1000)
            bad += curl.getinfo(pycurl.RESPONSE_CODE) != 200
        curl.close()
        with lock:
            latencies.extend(mine)
            failures[0] += bad

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CLIENT_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, failures[0]


def bench_b8(opts: Options) -> list[Result]:
    seconds = 2.0 if opts.quick else max(5.0, opts.duration)
    mock_port, proxy_port = free_port(), free_port()
    log = opts.work / "b8.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    mock = Proc("mock", mock_command(mock_port, "--no-access-log"), mock_port, f"http://127.0.0.1:{mock_port}/_mock/health", log=log)
    proxy_cmd = [str(VENV_BIN / "wave-mock"), "proxy", "--upstream", f"http://127.0.0.1:{mock_port}/api/v1",
                 "--port", str(proxy_port), "--no-access-log"]
    proxy = Proc("proxy", proxy_cmd, proxy_port, f"http://127.0.0.1:{proxy_port}/_mock/health", log=log)
    results: list[Result] = []
    with mock, proxy:
        measured = {}
        for side, port in (("mock", mock_port), ("proxy", proxy_port)):
            url = f"http://127.0.0.1:{port}/api/v1/analytics/events"
            _paced(url, 0.5)  # warm-up: connections, memos, the proxy's clock reading
            latencies, failed = _paced(url, seconds)
            measured[side] = (percentile(latencies, 50), percentile(latencies, 95))
            results += [
                Result("B8", side, "p50 latency", round(measured[side][0], 3), "ms", note=f"{RATE:g} req/s, {seconds:g} s, {failed} non-200"),
                Result("B8", side, "p95 latency", round(measured[side][1], 3), "ms"),
            ]
    added50 = measured["proxy"][0] - measured["mock"][0]
    added95 = measured["proxy"][1] - measured["mock"][1]
    results += [
        Result("B8", "proxy-added", "added p50", round(added50, 3), "ms", f"<= {TARGET_ADDED_P50_MS:g} ms",
               check(added50, "<=", TARGET_ADDED_P50_MS)),
        Result("B8", "proxy-added", "added p95", round(added95, 3), "ms"),
    ]
    return results


if __name__ == "__main__":
    for row in bench_b8(Options(work=Path("/tmp/wave-mock-bench"))):
        print(row)
