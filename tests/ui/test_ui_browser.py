"""The inspection page, end to end: a real mock server driven from headless Chromium.

Needs Debian's chromium (``scripts/ensure-browser.sh`` installs it in ``make test``) and
the ``playwright`` package (its Python driver only: the browser is never downloaded).
"""

from __future__ import annotations

import importlib.util
import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

from wave_mock.testing import MockServer

CHROMIUM = Path(os.environ.get("WAVE_MOCK_CHROMIUM", "/usr/bin/chromium"))


def _without(reason: str) -> None:
    """Skip on a developer machine; fail in CI (``CI=true``), where a skip would pass with no browser test run."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI must run the browser tests, but {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


if not CHROMIUM.is_file() or not os.access(CHROMIUM, os.X_OK):
    _without(f"no Chromium at {CHROMIUM} (run scripts/ensure-browser.sh as root)")
if importlib.util.find_spec("playwright") is None:
    _without("the playwright package is not installed (pip install playwright)")

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "artifacts" / "ui"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# One tenant (API key) per test, so tests sharing the server never see each other's events.
KEYS = [f"ui_key_{n}" for n in range(16)]
VIEWPORT = {"width": 1360, "height": 1000}
WAIT_MS = 10_000

expect.set_options(timeout=WAIT_MS)


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    args = [arg for key in KEYS for arg in ("--api-key", key)]
    with MockServer([*args, "--no-access-log"]) as running:
        yield running


@pytest.fixture(scope="module")
def keys() -> Iterator[str]:
    return iter(KEYS)


@pytest.fixture
def key(keys: Iterator[str]) -> str:
    return next(keys)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh context (own localStorage) whose page fails the test on a script error."""
    context = browser.new_context(viewport=VIEWPORT)
    opened = context.new_page()
    opened.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    opened.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert errors == [], f"script errors on the page: {errors}"


def open_ui(page: Page, server: MockServer, key: str) -> None:
    page.goto(f"{server.root_url}/_mock/ui?apiKey={key}")


def send(server: MockServer, key: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(
        f"{server.base_url}/analytics/events", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=10
    )


def event(name: str, session: str, stream: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"eventType": name.split(".")[0], "eventName": name, "sessionId": session, **extra}
    if stream is not None:
        body["properties"] = {"streamId": stream}
    return body


def stamp(minutes_ago: float) -> str:
    moment = datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_feed_shows_events_newest_first_and_rejections_with_errors(page: Page, server: MockServer, key: str) -> None:
    open_ui(page, server, key)
    # The rejection goes first: entries arriving in the same millisecond keep accepted
    # before rejected, so this order holds whether or not arrival times tie.
    assert send(server, key, {"eventType": "stream", "eventName": "viewer.joined"}).status_code == 400
    assert send(server, key, event("viewer.joined", "sess_a", "str_feed")).status_code in (200, 201, 202)
    assert send(server, key, event("viewer.left", "sess_a", "str_feed")).status_code in (200, 201, 202)
    items = page.locator("#feed > li")
    expect(items).to_have_count(3)
    expect(items.nth(0)).to_contain_text("Accepted")
    expect(items.nth(0)).to_contain_text("viewer.left")
    expect(items.nth(1)).to_contain_text("viewer.joined")
    rejected = items.nth(2)
    expect(rejected).to_have_attribute("data-kind", "rejected")
    expect(rejected).to_contain_text("Rejected")
    expect(rejected.locator(".field-errors")).to_contain_text("sessionId")
    expect(rejected.locator(".field-errors")).to_contain_text("is required")
    expect(page.locator("#feed-count")).to_have_text("2 accepted · 1 rejected shown")


def test_enter_on_an_event_shows_its_json_and_escape_returns_focus(page: Page, server: MockServer, key: str) -> None:
    send(server, key, event("playback.started", "sess_json", properties={"streamId": "str_json", "startupTimeMs": 850}))
    open_ui(page, server, key)
    button = page.locator("#feed .feed-open").first
    button.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("#event-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#event-json")).to_contain_text('"startupTimeMs": 850')
    expect(page.locator("#event-json")).to_contain_text('"eventId"')
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(button).to_be_focused()


def test_event_content_is_shown_as_text_not_markup(page: Page, server: MockServer, key: str) -> None:
    hostile = '<img src=x onerror="window.pwned=1"><b>bold</b>'
    send(server, key, event("ui.clicked", hostile))
    send(server, key, {"eventType": "ui", "eventName": hostile})
    open_ui(page, server, key)
    expect(page.locator("#feed > li")).to_have_count(2)
    expect(page.locator("#feed").get_by_text(hostile).first).to_be_visible()
    assert page.locator("#feed img, #feed b").count() == 0
    assert page.evaluate("window.pwned") is None


def test_feed_filter_by_stream_keeps_only_that_stream(page: Page, server: MockServer, key: str) -> None:
    for n in range(3):
        send(server, key, event("viewer.joined", f"sess_f{n}", "str_keep"))
    send(server, key, event("viewer.joined", "sess_other", "str_drop"))
    open_ui(page, server, key)
    expect(page.locator("#feed > li")).to_have_count(4)
    page.get_by_label("Stream", exact=True).fill("str_keep")
    page.get_by_label("Stream", exact=True).press("Enter")
    expect(page.locator("#feed > li")).to_have_count(3)
    expect(page.locator("#feed")).not_to_contain_text("str_drop")


def test_dashboard_draws_the_timeseries_and_cards(page: Page, server: MockServer, key: str) -> None:
    for n in range(5):
        send(server, key, event("viewer.joined", f"sess_d{n}", "str_dash", timestamp=stamp(90 - n)))
    dashboard = requests.get(
        f"{server.base_url}/analytics/dashboards?period=1d", headers={"Authorization": f"Bearer {key}"}, timeout=10
    ).json()
    open_ui(page, server, key)
    chart = page.locator("#dashboard-chart svg")
    expect(chart).to_be_visible()
    expect(chart.locator("rect.bar")).to_have_count(len(dashboard["metrics"]["timeseries"]))
    expect(chart.locator("path.line")).to_have_count(1)
    events_card = page.locator("#dashboard-cards .card").filter(has_text="Events")
    expect(events_card.locator(".card-value")).to_have_text(str(dashboard["metrics"]["totalEvents"]))
    page.get_by_label("Dashboard period").select_option("7d")
    expect(chart.locator("rect.bar")).to_have_count(7)


def test_stream_panel_shows_metrics_and_the_viewer_step_chart(page: Page, server: MockServer, key: str) -> None:
    stream = "str_panel"
    send(server, key, event("stream.started", "sess_host", stream, timestamp=stamp(50)))
    for n in range(4):
        send(server, key, event("viewer.joined", f"sess_v{n}", stream, timestamp=stamp(40 - n)))
    send(server, key, event("viewer.left", "sess_v0", stream, timestamp=stamp(20)))
    body = requests.get(
        f"{server.base_url}/analytics/stream/{stream}?period=24h", headers={"Authorization": f"Bearer {key}"}, timeout=10
    ).json()
    open_ui(page, server, key)
    page.get_by_role("button", name=stream, exact=True).click()
    panel = page.locator("#stream-panel")
    expect(panel.locator(".card").filter(has_text="Peak viewers").locator(".card-value")).to_have_text(str(body["peakViewers"]))
    expect(panel.locator(".card").filter(has_text="Watching now").locator(".card-value")).to_have_text(str(body["currentViewers"]))
    expect(panel.locator("svg path.step")).to_have_count(1)
    # The chart is replayed in the browser; its peak must agree with the server's.
    expect(panel.locator("svg desc")).to_contain_text(f"peak {body['peakViewers']} concurrent viewers")
    assert body["peakViewers"] == 4 and body["currentViewers"] == 3


def test_stream_chips_list_every_stream_not_only_those_in_the_feed(page: Page, server: MockServer, key: str) -> None:
    # One event on an early stream, then 200 page views: the feed's latest 200 events no longer name it.
    send(server, key, event("viewer.joined", "sess_early", "str_early"))
    batch = {"events": [event("page.viewed", f"sess_p{n}") for n in range(100)]}
    for _ in range(2):
        requests.post(f"{server.base_url}/analytics/events/batch", json=batch,
                      headers={"Authorization": f"Bearer {key}"}, timeout=10).raise_for_status()
    send(server, key, event("viewer.joined", "sess_late", "str_late"))
    open_ui(page, server, key)
    chips = page.locator("#stream-chips button")
    expect(chips).to_have_count(2)
    expect(page.get_by_role("button", name="str_early", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="str_late", exact=True)).to_be_visible()


def test_typed_stream_without_events_says_so(page: Page, server: MockServer, key: str) -> None:
    open_ui(page, server, key)
    page.get_by_label("Stream id").fill("str_nothing")
    page.get_by_label("Stream id").press("Enter")
    expect(page.locator("#stream-panel")).to_contain_text("No events for stream str_nothing yet.")


def test_clock_controls_change_the_displayed_time(browser: Browser, page: Page) -> None:
    # Its own server: freezing the clock must not leak into the other tests' real-time server.
    with MockServer(["--api-key", "clock_key", "--no-access-log"]) as own:
        open_ui(page, own, "clock_key")
        expect(page.locator("#clock-mode")).to_have_text("Real time")
        page.get_by_label("Freeze at (UTC)").fill("2030-01-02T03:04:05")
        page.get_by_role("button", name="Freeze", exact=True).click()
        expect(page.locator("#clock-now")).to_have_text("2030-01-02 03:04:05 UTC")
        expect(page.locator("#clock-mode")).to_have_text("Frozen")
        page.get_by_label("Advance by (s)").fill("3600")
        page.get_by_role("button", name="Advance").click()
        expect(page.locator("#clock-now")).to_have_text("2030-01-02 04:04:05 UTC")
        page.get_by_role("button", name="Back to real time").click()
        expect(page.locator("#clock-mode")).to_have_text("Real time")
        expect(page.locator("#clock-now")).to_contain_text(str(datetime.now(timezone.utc).year))


def test_reset_after_confirm_empties_the_feed(page: Page, server: MockServer, key: str) -> None:
    send(server, key, event("viewer.joined", "sess_r", "str_reset"))
    open_ui(page, server, key)
    expect(page.locator("#feed > li")).to_have_count(1)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=re.compile("Reset")).click()
    expect(page.locator("#feed > li")).to_have_count(0)
    expect(page.locator("#status")).to_have_text("Events reset.")


def test_api_key_is_remembered_and_removed_from_the_address(page: Page, server: MockServer, key: str) -> None:
    send(server, key, event("viewer.joined", "sess_k", "str_key"))
    open_ui(page, server, key)
    expect(page.locator("#feed > li")).to_have_count(1)
    assert "apiKey" not in page.url
    page.goto(f"{server.root_url}/_mock/ui")
    expect(page.locator("#feed > li")).to_have_count(1)


def test_wrong_key_is_reported(page: Page, server: MockServer) -> None:
    open_ui(page, server, "not_a_key")
    expect(page.locator("#status")).to_contain_text("401")
    expect(page.locator("#status")).to_have_attribute("data-kind", "error")
