"""Regenerate docs/proxy-ui.png: the proxy's inspection page with a violation and a drifting read.

The upstream is the mock with one planted defect (``peak_equals_total``); one invalid event
gives a request violation. Run from the repo root: ``.venv/bin/python -m tests.ui.proxy_screenshot``.
"""

from __future__ import annotations

import time
from pathlib import Path

import requests
from playwright.sync_api import Page, expect, sync_playwright

from tests.proxy.conftest import AUTH, KEY, STREAM, DefectServer, ProxyServer, send_fixture
from tests.ui.test_ui_browser import CHROMIUM, CHROMIUM_ARGS

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT = REPO_ROOT / "docs" / "proxy-ui.png"
DEFECT = "peak_equals_total"


def drive(proxy: ProxyServer) -> None:
    """Send the fixture and one event without sessionId through the proxy, then read the stream."""
    send_fixture(proxy.base_url)
    bad = {"eventType": "stream", "eventName": "viewer.joined", "properties": {"streamId": STREAM}}
    requests.post(f"{proxy.base_url}/analytics/events", json=bad, headers=AUTH, timeout=10)
    time.sleep(0.6)  # the proxy's --settle 0.5: the read below is then compared at once
    requests.get(f"{proxy.base_url}/analytics/stream/{STREAM}", params={"period": "24h"}, headers=AUTH, timeout=10)


def show_contract(page: Page, proxy: ProxyServer) -> None:
    """Open the proxy's page and wait until the violation and the drift are on it."""
    page.goto(f"{proxy.root_url}/_mock/ui?apiKey={KEY}")
    expect(page.get_by_test_id("contract-panel")).to_be_visible()
    expect(page.get_by_test_id("contract-violations")).to_contain_text("sessionId")
    expect(page.get_by_test_id("contract-drift")).to_contain_text("upstream peakViewers 3; the same events give 1")


def main() -> None:
    with DefectServer(DEFECT) as upstream, ProxyServer(upstream.base_url, ["--no-access-log"]) as proxy, \
            sync_playwright() as playwright:
        drive(proxy)
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        show_contract(page, proxy)
        page.get_by_test_id("contract-panel").screenshot(path=str(OUT))
        browser.close()
    print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
