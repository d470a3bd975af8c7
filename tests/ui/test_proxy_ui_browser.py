"""The proxy's inspection page in headless Chromium: the contract panel names a violation and a drift."""

from __future__ import annotations

import time
from typing import Callable

import pytest
import requests
from playwright.sync_api import Browser, Page, Response, expect

from tests.proxy.conftest import AUTH, DefectServer, ProxyServer
from tests.ui.proxy_screenshot import DEFECT, drive, show_contract
from tests.ui.test_ui_browser import VIEWPORT, browser  # noqa: F401  (the module's Chromium fixture)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def test_contract_panel_shows_the_violation_and_the_drift(browser: Browser) -> None:  # noqa: F811
    with DefectServer(DEFECT) as upstream, ProxyServer(upstream.base_url, ["--no-access-log"]) as proxy:
        drive(proxy)  # 4 exchanges: the fixture's event and batch, the event without sessionId, the stream read
        page = browser.new_page(viewport=VIEWPORT)
        reads: list[Response] = []
        page.on("response", lambda r: reads.append(r) if "/analytics/dashboards" in r.url else None)
        show_contract(page, proxy)  # waits for "sessionId" and "upstream peakViewers 3; the same events give 1"
        _wait_for(page, lambda: len(reads) >= 2)  # the page has read through the proxy twice: its reads are not counted
        summary = page.locator("#contract-summary")
        expect(summary).to_have_text("1 violation in 4 exchanges (documented view) · 1 drifting read")
        # Positive control: an exchange that is not the page's own shows on the page's next refresh
        # (a forwarded /_mock/ read: counted, and no drift check that could add a drifting read).
        requests.get(f"{proxy.root_url}/_mock/streams", headers=AUTH, timeout=10).raise_for_status()
        expect(summary).to_have_text("1 violation in 5 exchanges (documented view) · 1 drifting read")
        page.close()


def _wait_for(page: Page, condition: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        page.wait_for_timeout(100)  # not time.sleep: the page's events are dispatched while Playwright waits
    assert condition()


def test_the_mocks_own_page_has_no_contract_panel(browser: Browser) -> None:  # noqa: F811
    # Positive control for the panel above: the same page served by the plain mock hides it.
    with DefectServer(DEFECT) as upstream:
        page = browser.new_page(viewport=VIEWPORT)
        with page.expect_response(lambda r: r.url.endswith("/_mock/health")):  # the page has asked "proxy?"
            page.goto(f"{upstream.root_url}/_mock/ui?apiKey=proxy_test_key_7f3a")
        expect(page.locator("#feed-count")).not_to_be_empty()
        expect(page.get_by_test_id("contract-panel")).to_be_hidden()
        page.close()
