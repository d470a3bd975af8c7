"""Regenerate docs/ui.png, the README's picture of /_mock/ui with the demo fixture loaded.

Run from the repo root: ``.venv/bin/python -m tests.ui.readme_screenshot``.
"""

from __future__ import annotations

from pathlib import Path

import requests
from playwright.sync_api import expect, sync_playwright

from tests.ui.test_ui_browser import CHROMIUM, CHROMIUM_ARGS
from wave_mock.testing import MockServer

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT = REPO_ROOT / "docs" / "ui.png"
KEY = "wave_dev_key"
STREAM = "str_896a5b1eeb"


def _live_traffic(server: MockServer) -> None:
    """Move the frozen demo clock on a little and send a few fresh events, one of them invalid."""
    auth = {"Authorization": f"Bearer {KEY}"}
    requests.post(f"{server.root_url}/_mock/clock", json={"advance": 30}, headers=auth, timeout=10)
    bodies = [
        {"eventType": "stream", "eventName": "viewer.joined", "sessionId": "sess_readme_1", "platform": "ios", "properties": {"streamId": STREAM}},
        {"eventType": "stream", "eventName": "viewer.joined", "platform": "tv", "properties": {"streamId": STREAM}},
        {"eventType": "playback", "eventName": "playback.started", "sessionId": "sess_readme_1", "platform": "ios", "properties": {"streamId": STREAM, "startupTimeMs": 640}},
    ]
    for body in bodies:
        requests.post(f"{server.base_url}/analytics/events", json=body, headers=auth, timeout=10)


def main() -> None:
    demo = REPO_ROOT / "fixtures" / "demo.jsonl"
    with MockServer(["--load", str(demo), "--load-frozen", "--no-access-log"]) as server, sync_playwright() as playwright:
        _live_traffic(server)
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{server.root_url}/_mock/ui?apiKey={KEY}")
        expect(page.locator("#feed > li").first).to_be_visible()
        page.get_by_label("Stream period").select_option("1h")
        page.get_by_role("button", name=STREAM, exact=True).click()
        expect(page.locator("#stream-panel svg path.step")).to_have_count(1)
        page.screenshot(path=str(OUT), full_page=True)
        browser.close()
    print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
