"""``serve --tls-cert/--tls-key``: granian speaks HTTPS with a certificate made here."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from wave_mock.cli import main
from wave_mock.testing import MockServer

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a certificate")


def self_signed(directory: Path) -> tuple[Path, Path]:
    """Make a certificate for 127.0.0.1 and localhost with the openssl CLI (as the README shows)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    return cert, key


def test_https_with_the_certificate_as_ca(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    with MockServer(["--tls-cert", str(cert), "--tls-key", str(key), "--no-access-log"]) as server:
        assert server.root_url.startswith("https://")
        auth = {"Authorization": "Bearer wave_dev_key"}
        event = {"eventType": "ui", "eventName": "clicked", "sessionId": "s1"}
        posted = requests.post(f"{server.base_url}/analytics/events", json=event, headers=auth, verify=str(cert), timeout=10)
        assert posted.status_code == 200 and posted.json()["success"] is True
        read = requests.get(f"{server.base_url}/analytics/dashboards", headers=auth, verify=str(cert), timeout=10)
        assert read.json()["metrics"]["totalEvents"] == 1
        # Negative controls: the system's CAs do not trust it, and plain HTTP gets no answer.
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(f"{server.root_url}/_mock/health", timeout=10)
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(f"http://127.0.0.1:{server.port}/_mock/health", timeout=10)


def test_bad_tls_options_fail_in_one_line(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    alone = CliRunner().invoke(main, ["serve", "--tls-cert", str(cert), "--port", "0"])
    assert alone.exit_code == 2 and "--tls-cert and --tls-key go together" in alone.output
    swapped = CliRunner().invoke(main, ["serve", "--tls-cert", str(key), "--tls-key", str(key), "--port", "0"])
    assert swapped.exit_code == 1 and "cannot serve HTTPS" in swapped.output and "Traceback" not in swapped.output
