"""Real ``wave-mock load`` runs: a Locust master and workers over loopback against real mock processes."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import psutil
import requests
from click.testing import CliRunner

from tests.load.conftest import (
    KEY, SMALL, children_running, fixture_bodies, run_load, start_load, stop, stored_bodies,
)
from wave_mock.fixtures.cli import fixtures_group
from wave_mock.testing import MockServer, free_port

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo.jsonl"


def _base(server: MockServer) -> list[str]:
    return ["--base-url", server.base_url, "--api-key", KEY]


def test_master_and_two_workers_deliver_a_launch_fixture_once_with_exact_numbers(tmp_path: Path) -> None:
    # The same generation the load command runs, made here independently to know what must arrive.
    generate = [*SMALL, "--profile", "launch"]
    mine = tmp_path / "mine.jsonl"
    CliRunner().invoke(fixtures_group, ["generate", *generate, "--out", str(mine)], catch_exceptions=False)
    expected = orjson.loads(mine.with_name("mine.expected.json").read_bytes())
    with MockServer(["--api-key", KEY, "--no-access-log"]) as server:
        done = run_load("--generate", " ".join(SMALL), "--profile", "launch", "--frozen", "--workers", "2",
                        "--report-csv", str(tmp_path / "report.csv"), *_base(server), cwd=tmp_path)
        assert done.code == 0, done.output
        # Every event exactly once: the stored multiset equals the fixture's.
        assert stored_bodies(server.root_url) == fixture_bodies(mine)
        # A number read back by this test, against the generator's expected file.
        sid = sorted(expected["streams"])[0]
        got = requests.get(f"{server.base_url}/analytics/stream/{sid}", params={"period": "24h"},
                           headers={"Authorization": f"Bearer {KEY}"}, timeout=10).json()
        assert got == expected["streams"][sid]["24h"]
    total = sum(fixture_bodies(mine).values())
    report = done.report
    assert (report["events"], report["sent"], report["accepted"], report["stored"]) == (total, total, total, total)
    assert (report["rejected"], report["notSent"], report["lost"], report["throttled429"]) == (0, 0, 0, 0)
    assert report["convergence"]["converged"] is True and report["convergence"]["differenceCount"] == 0
    assert report["convergence"]["compared"] > 0
    assert [p["part"] for p in report["split"]] == [0, 1] and sum(p["events"] for p in report["split"]) == total
    batch = next(op for op in report["operations"] if op["operation"] == "POST /analytics/events/batch")
    assert batch["requests"] >= total / 100 and batch["p50_ms"] <= batch["p95_ms"] <= batch["p99_ms"]
    rows = list(csv.reader((tmp_path / "report.csv").open()))
    assert rows[0][:2] == ["operation", "requests"] and ["accepted", str(total)] in rows
    assert "OK: every event delivered once, numbers exact" in done.output


def test_separate_master_and_worker_commands_converge_with_shifted_timestamps(tmp_path: Path, small_fixture: Path) -> None:
    port = free_port()
    with MockServer(["--api-key", KEY, "--no-access-log"]) as server:
        report = tmp_path / "report.json"
        master = start_load(str(small_fixture), "--master", "--master-bind-host", "127.0.0.1", "--master-port",
                            str(port), "--workers", "2", *_base(server), "--report-json", str(report), cwd=tmp_path)
        workers = [start_load("--worker", "--master-host", "127.0.0.1", "--master-port", str(port), cwd=tmp_path)
                   for _ in range(2)]
        try:
            output, _ = master.communicate(timeout=180)
            for worker in workers:  # the master's quit ends them: none outlives the run
                worker.wait(timeout=20)
        finally:
            for proc in (master, *workers):
                stop(proc)
        assert master.returncode == 0, output
        assert stored_bodies(server.root_url).total() == sum(fixture_bodies(small_fixture).values())
    result = orjson.loads(report.read_bytes())
    assert result["mode"] == "shifted" and result["shiftSeconds"] > 0
    assert result["convergence"]["converged"] is True


def test_a_target_that_drops_events_fails_the_run_naming_the_loss(tmp_path: Path, small_fixture: Path) -> None:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "wave_mock.defects", "serve", "--defect", "drop_one_in_ten",
                               "--port", str(port), "--api-key", KEY], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        root = f"http://127.0.0.1:{port}"
        _wait_for(lambda: requests.get(f"{root}/_mock/health", timeout=1).ok)
        done = run_load(str(small_fixture), "--frozen", "--workers", "2", "--settle", "2",
                        "--base-url", f"{root}/api/v1", "--api-key", KEY, cwd=tmp_path)
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    total = sum(fixture_bodies(small_fixture).values())
    assert done.code == 1, done.output
    # Planted bug: every 10th event is dropped but counted as accepted.
    assert done.report["accepted"] == total and done.report["lost"] == total // 10
    assert f"lost events: the target acknowledged {total} events but stored {total - total // 10}" in done.output
    assert "wrong numbers" in done.output and done.report["convergence"]["differenceCount"] > 0


def test_a_worker_killed_mid_run_is_reported_with_exactly_what_was_not_sent(tmp_path: Path, small_fixture: Path) -> None:
    web = free_port()
    with MockServer(["--api-key", KEY, "--no-access-log"]) as server:
        proc = start_load(str(small_fixture), "--frozen", "--workers", "2", "--rate", "400", "--web", "--web-port",
                          str(web), *_base(server), "--report-json", "report.json", cwd=tmp_path)
        try:
            headers = {"Authorization": f"Bearer {KEY}"}
            _wait_for(lambda: requests.get(f"{server.root_url}/_mock/stats", headers=headers, timeout=2).json()["accepted"] > 0)
            assert requests.get(f"http://127.0.0.1:{web}/", timeout=5).status_code == 200  # Locust's web UI
            workers = children_running("--worker", proc.pid)
            assert len(workers) == 2
            os.kill(workers[0], signal.SIGKILL)
            output, _ = proc.communicate(timeout=120)
        finally:
            stop(proc)
        stored = stored_bodies(server.root_url)
    assert not any(psutil.pid_exists(pid) for pid in workers)  # the survivor was stopped with the command
    report = orjson.loads((tmp_path / "report.json").read_bytes())
    unsent = fixture_bodies(tmp_path / "load-unsent.jsonl")
    assert proc.returncode == 1, output
    assert report["notSent"] > 0 and len(report["lostWorkers"]) == 1 and report["inDoubt"] == 0
    assert sum(unsent.values()) == report["notSent"]
    # Exactly: what arrived and what the report lists as not sent are disjoint and make up the fixture.
    assert not (set(stored) & set(unsent))
    assert stored + unsent == fixture_bodies(small_fixture)
    assert f"{report['notSent']} events not sent (worker(s) lost mid-run" in output


def test_load_without_the_extra_prints_how_to_install_it() -> None:
    # sys.modules["locust"] = None is how Python spells "not installed" (import raises ImportError).
    # The positive control is every other test here: the same command runs when Locust is importable.
    for args in ([], ["--worker", "--master-host", "127.0.0.1"], [str(DEMO), "--base-url", "http://127.0.0.1:9/api/v1",
                                                                   "--api-key", "k"]):
        code = f"import sys; sys.modules['locust'] = None; from wave_mock.cli import main; main(['load', *{args!r}])"
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        assert done.returncode == 1
        assert done.stderr.strip().splitlines() == [
            "Error: wave-mock load needs the [load] extra: pip install 'PATH/TO/wave-mock[load]' from a checkout, or 'wave-mock[load] @ git+REPO_URL'"]


def _wait_for(ready, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if ready():
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise TimeoutError("condition not met in time")


def test_429s_are_retried_after_retry_after_and_counted(tmp_path: Path, small_fixture: Path) -> None:
    from tests.load.apps import ThrottlingProxy, serve_in_thread

    with MockServer(["--api-key", KEY, "--no-access-log"]) as server:
        proxy = ThrottlingProxy(server.root_url)
        port = free_port()
        front = serve_in_thread(proxy, port)
        try:
            done = run_load(str(small_fixture), "--frozen", "--workers", "2",
                            "--base-url", f"http://127.0.0.1:{port}/api/v1", "--api-key", KEY, cwd=tmp_path)
        finally:
            front.shutdown()
        stored = stored_bodies(server.root_url)
    assert done.code == 0, done.output
    assert proxy.throttled > 0 and done.report["throttled429"] == proxy.throttled
    assert len(proxy.waits) == proxy.throttled and min(proxy.waits) >= 0.95  # Retry-After: 1 was honoured
    assert stored == fixture_bodies(small_fixture)  # nothing lost, nothing twice
    assert done.report["convergence"]["converged"] is True


def test_workers_do_not_outlive_a_killed_master(tmp_path: Path, small_fixture: Path) -> None:
    with MockServer(["--api-key", KEY, "--no-access-log"]) as server:
        proc = start_load(str(small_fixture), "--frozen", "--workers", "2", "--rate", "200", *_base(server), cwd=tmp_path)
        try:
            headers = {"Authorization": f"Bearer {KEY}"}
            _wait_for(lambda: requests.get(f"{server.root_url}/_mock/stats", headers=headers, timeout=2).json()["accepted"] > 0)
            workers = children_running("--worker", proc.pid)
            assert len(workers) == 2 and all(psutil.pid_exists(pid) for pid in workers)  # positive control
            os.kill(proc.pid, signal.SIGKILL)  # the master alone: no chance to clean up
            proc.wait(timeout=10)
            _wait_for(lambda: not any(_alive(pid) for pid in workers), timeout=10)
        finally:
            stop(proc)


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_duration_with_a_rate_stops_the_run_and_reports_what_was_not_sent(tmp_path: Path, small_fixture: Path) -> None:
    with MockServer(["--api-key", KEY, "--no-access-log"]) as server:
        # ~2,000 events at 300/s need ~7 s; --duration 2s stops well before the end.
        done = run_load(str(small_fixture), "--frozen", "--workers", "2", "--rate", "300", "--duration", "2s",
                        *_base(server), cwd=tmp_path)
        stored = stored_bodies(server.root_url)
    total = sum(fixture_bodies(small_fixture).values())
    assert done.code == 1, done.output
    assert 0 < done.report["notSent"] < total and done.report["notSentReason"] == "--duration ran out"
    unsent = fixture_bodies(tmp_path / "load-unsent.jsonl")
    assert stored + unsent == fixture_bodies(small_fixture) and not (set(stored) & set(unsent))
    assert done.report["convergence"] == {"skipped": "some events were not sent"}


def test_importing_the_cli_does_not_load_locust_or_gevent() -> None:
    # gevent patches the standard library on import: only a load run may pay for (and risk) that.
    code = "import sys, wave_mock.cli; print(sorted(m for m in ('locust', 'gevent') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"


def test_a_deployment_is_held_to_the_documented_metrics_with_shifted_timestamps(tmp_path: Path, small_fixture: Path) -> None:
    from tests.load.apps import ThrottlingProxy, serve_in_thread

    with MockServer(["--api-key", KEY, "--no-access-log"]) as server:
        port = free_port()
        front = serve_in_thread(ThrottlingProxy(server.root_url, every=0, hide_mock=True), port)
        try:
            done = run_load(str(small_fixture), "--workers", "2", "--base-url", f"http://127.0.0.1:{port}/api/v1",
                            "--api-key", KEY, cwd=tmp_path)
        finally:
            front.shutdown()
        assert stored_bodies(server.root_url).total() == sum(fixture_bodies(small_fixture).values())
    assert done.code == 0, done.output
    report = done.report
    assert report["targetKind"] == "deployment" and report["stored"] is None and report["mode"] == "shifted"
    streams = len(orjson.loads(small_fixture.with_name("small.expected.json").read_bytes())["streams"])
    # 4 documented metrics x 4 periods per stream (every stream of this fixture has events in each window)
    assert report["convergence"]["converged"] is True and report["convergence"]["compared"] == streams * 4 * 4
