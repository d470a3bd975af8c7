"""Ports and processes of ``wave-mock serve`` (issue #15): real processes, real sockets."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests

from wave_mock.testing import MockServer, free_port

SERVE = [sys.executable, "-m", "wave_mock", "serve"]


def run_serve(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``wave-mock serve`` expecting it to exit by itself; return its output."""
    return subprocess.run([*SERVE, *args], capture_output=True, text=True, timeout=timeout, start_new_session=True)


def assert_one_clear_line(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for word in words:
        assert word in lines[0], lines[0]


def test_second_serve_on_a_port_wave_mock_serves_exits_with_one_line() -> None:
    with MockServer(["--api-key", "first"]) as first:
        result = run_serve("--port", str(first.port), "--api-key", "second")
        assert_one_clear_line(result, "another wave-mock", str(first.port))
        # The first one still owns the port alone: its key works, the second's never does.
        ok = requests.get(f"{first.root_url}/_mock/stats", headers={"Authorization": "Bearer first"}, timeout=5)
        other = requests.get(f"{first.root_url}/_mock/stats", headers={"Authorization": "Bearer second"}, timeout=5)
        assert (ok.status_code, other.status_code) == (200, 401)


def test_port_held_by_another_program_exits_with_one_line_and_no_traceback() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = run_serve("--port", str(port))
    assert_one_clear_line(result, "another program", str(port))


def test_unusable_host_exits_with_one_line() -> None:
    result = run_serve("--host", "192.0.2.1", "--port", str(free_port()))  # TEST-NET-1: not ours
    assert_one_clear_line(result, "192.0.2.1")


def test_port_0_prints_the_port_actually_bound_and_serves_there(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen([*SERVE, "--port", "0"], stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        port = _wait_for_port(log)
        assert port != 0
        assert requests.get(f"http://127.0.0.1:{port}/_mock/health", timeout=30).json()["status"] == "ok"
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _wait_for_port(log: Path, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(r"at http://127\.0\.0\.1:(\d+)/api/v1", log.read_text())
        if found:
            return int(found.group(1))
        time.sleep(0.1)
    raise AssertionError(f"no URL printed: {log.read_text()!r}")


def worker_of(pid: int) -> int:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def is_gone(pid: int) -> bool:
    """A process that no longer exists, or a zombie (it runs nothing and holds no port)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def wait_until(check, timeout: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_kill_9_of_serve_takes_its_worker_down_and_frees_the_port() -> None:
    server = MockServer(["--api-key", "orphan_key"]).start()
    try:
        worker = worker_of(server.process.pid)
        assert not is_gone(worker) and not port_is_free(server.port)  # positive control
        os.kill(server.process.pid, signal.SIGKILL)  # the serve process only, not its group
        server.process.wait()
        assert wait_until(lambda: is_gone(worker)), "the worker outlived its server"
        assert wait_until(lambda: port_is_free(server.port))
        try:
            requests.get(f"{server.root_url}/_mock/health", timeout=1)
            answered = True
        except requests.ConnectionError:
            answered = False
        assert not answered
    finally:
        server.stop(kill=True)


def test_sigterm_to_serve_alone_stops_the_worker_even_while_it_starts() -> None:
    """A stop asked while the worker loads the app used to be swallowed by it."""
    for delay in (0.5, 1.5, 3.0):
        log = tempfile.TemporaryFile()  # what the server said, for the failure message
        process = subprocess.Popen([*SERVE, "--port", "0"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            time.sleep(delay)
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                log.seek(0)
                raise AssertionError(f"serve still running 20 s after SIGTERM at {delay}s; it said: "
                                     f"{log.read()[-2000:]!r}") from None
            assert wait_until(lambda: _group_gone(process.pid), timeout=10), f"left running after SIGTERM at {delay}s"
        finally:
            _kill_group(process)
            log.close()


# serve, with a pause in the forked worker inside granian's own start-up, before any of wave-mock's code
# runs there: the window in which a busy machine's full test runs lost a SIGTERM.
SLOW_WORKER_START = """
import sys, time
import granian.server.mp as mp
configure = mp.configure_logging
def slowly(*args):
    print("worker in granian's start-up", flush=True)
    time.sleep(3)
    configure(*args)
mp.configure_logging = slowly
from wave_mock.cli import main
main(["serve", "--port", "0"])
"""


def test_sigterm_while_the_worker_is_in_granians_start_up_stops_serve_at_once() -> None:
    """granian forks its worker with the parent's handler, which only sets a flag: a stop that the
    parent passed on during the worker's start-up was swallowed, and serve waited forever."""
    log = tempfile.NamedTemporaryFile()
    process = subprocess.Popen([sys.executable, "-c", SLOW_WORKER_START], stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        said = lambda: Path(log.name).read_text(errors="replace")  # noqa: E731
        assert wait_until(lambda: "granian's start-up" in said(), timeout=30), said()  # the window is open
        time.sleep(0.5)
        os.kill(process.pid, signal.SIGTERM)
        started = time.monotonic()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"serve still running 20 s after SIGTERM; it said: {said()[-2000:]!r}") from None
        # Not the 10 s kill that ends a worker which ignores the stop: the worker ended on it.
        assert time.monotonic() - started < 5
        assert wait_until(lambda: _group_gone(process.pid), timeout=10)
    finally:
        _kill_group(process)
        log.close()


def test_a_stop_cuts_off_a_request_still_running_after_ten_seconds() -> None:
    """granian waits for every request before its worker ends; serve kills a worker still busy after
    WORKER_STOP_GRACE (10 s), so a stop never hangs on a slow request (here one held for 40 s)."""
    server = MockServer(["--api-key", "stop_key", "--latency", "40000", "--no-access-log"]).start()
    answered: list[object] = []

    def slow_read() -> None:
        try:
            answered.append(requests.get(f"{server.base_url}/analytics/dashboards", timeout=60,
                                         headers={"Authorization": "Bearer stop_key"}))
        except requests.RequestException as error:
            answered.append(error)

    reader = threading.Thread(target=slow_read, daemon=True)
    try:
        reader.start()
        time.sleep(1.5)
        assert not answered  # positive control: the read is in flight
        os.kill(server.process.pid, signal.SIGTERM)
        started = time.monotonic()
        server.process.wait(timeout=30)
        assert time.monotonic() - started < 20  # the grace, then the kill: not the 40 s request
        reader.join(timeout=10)
        assert isinstance(answered[0], requests.ConnectionError)
    finally:
        server.stop(kill=True)


def _group_gone(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return True
    return all(is_gone(int(p)) for p in os.listdir("/proc") if p.isdigit() and _pgid(int(p)) == group)


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


def test_sigterm_stops_serve_even_when_its_launcher_blocked_the_signal() -> None:
    """A blocked mask survives exec: serve used to stay deaf to SIGTERM (a full test run's
    pytest process had it blocked, and the test above hung there)."""
    block = lambda: signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})  # noqa: E731
    process = subprocess.Popen([*SERVE, "--port", "0"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True, preexec_fn=block)
    try:
        time.sleep(2.0)
        assert process.poll() is None  # positive control: it started and runs
        os.kill(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
        assert wait_until(lambda: _group_gone(process.pid), timeout=10)
    finally:
        _kill_group(process)


def _kill_group(process: subprocess.Popen) -> None:
    """Stop whatever the test started, whether or not it is still running."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
