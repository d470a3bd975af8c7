"""The proxy's inspection page in headless Chromium: the contract panel names a violation and a drift."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.proxy.conftest import DefectServer, ProxyServer
from tests.ui.proxy_screenshot import DEFECT, drive, show_contract
from tests.ui.test_ui_browser import VIEWPORT, browser  # noqa: F401  (the module's Chromium fixture)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def test_contract_panel_shows_the_violation_and_the_drift(browser: Browser) -> None:  # noqa: F811
    with DefectServer(DEFECT) as upstream, ProxyServer(upstream.base_url, ["--no-access-log"]) as proxy:
        drive(proxy)
        page = browser.new_page(viewport=VIEWPORT)
        show_contract(page, proxy)  # waits for "sessionId" and "upstream peakViewers 3; the same events give 1"
        expect(page.locator("#contract-summary")).to_have_text("1 violation in 6 exchanges (documented view) · 1 drifting read")
        page.close()


def test_the_mocks_own_page_has_no_contract_panel(browser: Browser) -> None:  # noqa: F811
    # Positive control for the panel above: the same page served by the plain mock hides it.
    with DefectServer(DEFECT) as upstream:
        page = browser.new_page(viewport=VIEWPORT)
        with page.expect_response(lambda r: r.url.endswith("/_mock/health")):  # the page has asked "proxy?"
            page.goto(f"{upstream.root_url}/_mock/ui?apiKey=proxy_test_key_7f3a")
        expect(page.locator("#feed-count")).not_to_be_empty()
        expect(page.get_by_test_id("contract-panel")).to_be_hidden()
        page.close()
