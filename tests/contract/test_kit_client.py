"""The kit's client and poller: 429/503 retries within a budget, --max-rps, settling, seeded stories.

HTTP behaviour is checked against a real mock over a socket; its `Prefer: code=429` header
answers the spec's 429 (with Retry-After) without storing anything.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator

import pytest

from wave_mock._contract_tests.behaviour import SPEC_EXAMPLE_VIEWERS, ViewerStory
from wave_mock._contract_tests.kit import Api, Pacer, Reply
from wave_mock._contract_tests.report import observations
from wave_mock._contract_tests.settle import Settler, nothing_stored
from wave_mock.testing import MockServer


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(["--api-key", "k1", "--no-access-log"]) as running:
        yield running


def test_throttled_request_is_retried_after_retry_after_then_skipped(server: MockServer) -> None:
    api = Api(server.base_url, "k1", pacer=Pacer(attempts=3, budget=10))
    ok = api.dashboard()
    assert ok.status == 200, "positive control: the same client gets through without throttling"
    before = observations().statuses[429]
    started = time.monotonic()
    with pytest.raises(pytest.skip.Exception, match="kept answering 429 after 3 tries"):
        api.request("GET", "/analytics/dashboards", headers={"Prefer": "code=429"})
    assert time.monotonic() - started >= 2.0, "waited Retry-After (1 s) before each of the 2 retries"
    assert observations().statuses[429] - before == 3, "every 429 is counted for the summary"


def test_retry_budget_bounds_the_total_wait(server: MockServer) -> None:
    api = Api(server.base_url, "k1", pacer=Pacer(attempts=10, budget=1.5))
    started = time.monotonic()
    reply = api.request("GET", "/analytics/dashboards", headers={"Prefer": "code=503"})
    assert reply.status == 503, "a 503 that outlasts the budget is returned to the test, which judges it"
    assert time.monotonic() - started < 4.0 and api.pacer.spent <= 1.5


def test_max_rps_spaces_requests(server: MockServer) -> None:
    api = Api(server.base_url, "k1", pacer=Pacer(max_rps=20))
    started = time.monotonic()
    for _ in range(21):
        api.dashboard(metric="totalEvents")
    assert time.monotonic() - started >= 0.95, "21 requests at 20 req/s take at least a second"


def _reply(status: int, body: object) -> Reply:
    return Reply(status, body, json.dumps(body), {}, "curl …")


def test_settler_polls_until_the_control_shows_and_reports_the_last_seen() -> None:
    answers = iter([_reply(200, {"totalViewers": 0})] * 3 + [_reply(200, {"totalViewers": 5})])
    settler = Settler(settle=2)
    seen = settler.control(lambda: next(answers), lambda r: r.body["totalViewers"] == 5, since=time.time())
    assert seen.ok and seen.reply.body["totalViewers"] == 5 and settler.seen_any
    never = settler.check(lambda: _reply(200, {"totalViewers": 1}), lambda r: r.body["totalViewers"] == 2)
    assert not never.ok and '"totalViewers": 1' in never.explain("two viewers"), "a failure shows what was seen last"


def test_nothing_stored_accepts_404_or_zero_viewers_only() -> None:
    assert nothing_stored(_reply(404, None)) and nothing_stored(_reply(200, {"totalViewers": 0}))
    assert not nothing_stored(_reply(200, {"totalViewers": 3})) and not nothing_stored(_reply(500, None))


@pytest.mark.parametrize("seed", range(40))
def test_viewer_stories_never_hold_the_spec_example_and_vary_by_seed(seed: int) -> None:
    story = ViewerStory.draw(random.Random(f"{seed}:story"))
    assert (story.total, story.peak, story.current) != SPEC_EXAMPLE_VIEWERS
    assert 2 <= story.peak < story.total, "a peak below the total tells peak from total"


def test_viewer_story_numbers_are_worked_by_a_plain_sweep() -> None:
    # Hand-worked: a joins, b joins, a leaves, c joins, d joins, c leaves -> 4 viewers, peak 3 (b c d), 2 watching.
    steps = [("viewer.joined", 0), ("viewer.joined", 1), ("viewer.left", 0), ("viewer.joined", 2), ("viewer.joined", 3), ("viewer.left", 2)]
    story = ViewerStory(steps).worked()
    assert (story.total, story.peak, story.current) == (4, 3, 2)
    assert len({(s.total, s.peak, s.current) for s in (ViewerStory.draw(random.Random(n)) for n in range(10))}) > 3
