"""The clock: one base time source, a clock per tenant derived from it, and the sane range."""

from __future__ import annotations

import math

import pytest

from wave_mock.clock import EARLIEST, LATEST, Clock, ClockRangeError, TenantClocks

T0 = 1_800_000_000.0  # 2027-01-15T08:00:00Z, an instant the fake source reports


class FakeTime:
    """A base time source a test moves by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_tenant_clocks_follow_the_injected_source_until_one_freezes() -> None:
    source = FakeTime(T0)
    clocks = TenantClocks(Clock(source), ["a", "b"])
    source.now += 10
    assert (clocks.now("a"), clocks.now("b")) == (T0 + 10, T0 + 10)
    clocks.of("a").freeze(T0)
    source.now += 10
    assert (clocks.now("a"), clocks.now("b")) == (T0, T0 + 20)
    clocks.of("a").unfreeze()
    assert clocks.now("a") == T0 + 20


def test_a_tenant_first_seen_later_starts_where_the_base_is() -> None:
    base = Clock(FakeTime(T0))
    base.freeze(T0 - 60)
    clocks = TenantClocks(base)
    assert clocks.now("late") == T0 - 60 and clocks.of("late").frozen


@pytest.mark.parametrize("at", [EARLIEST - 1, LATEST + 1, math.nan, math.inf, -math.inf, 253402300800.0])
def test_freezing_outside_the_range_raises_and_moves_nothing(at: float) -> None:
    clock = Clock(FakeTime(T0))
    clock.freeze(T0 + 5)
    with pytest.raises(ClockRangeError):
        clock.freeze(at)
    assert clock.now() == T0 + 5


@pytest.mark.parametrize("at", [EARLIEST, LATEST])
def test_the_range_is_closed(at: float) -> None:
    clock = Clock(FakeTime(T0))
    clock.freeze(at)
    assert clock.now() == at


def test_advance_all_moves_every_clock_from_its_own_time_or_none() -> None:
    source = FakeTime(T0)
    clocks = TenantClocks(Clock(source), ["a", "b"])
    clocks.of("a").freeze(T0 - 100)
    clocks.advance_all(50)
    assert (clocks.now("a"), clocks.now("b"), clocks.base.now()) == (T0 - 50, T0 + 50, T0 + 50)
    clocks.of("b").freeze(LATEST - 10)
    with pytest.raises(ClockRangeError):
        clocks.advance_all(20)
    assert (clocks.now("a"), clocks.now("b"), clocks.base.now()) == (T0 - 50, LATEST - 10, T0 + 50)


def test_an_advance_that_overflows_raises_and_moves_nothing() -> None:
    clock = Clock(FakeTime(T0))
    with pytest.raises(ClockRangeError):
        clock.advance(1e308 * 10)  # inf
    assert not clock.frozen and clock.now() == T0
