"""Convergence helpers: value matching across a round's time bracket, flattening (hand-worked)."""

from __future__ import annotations

from wave_mock.load.converge import flatten, matches


def test_matches_equal_values_and_values_inside_the_bracket() -> None:
    assert matches(5, 5, 7) and matches(7, 5, 7) and matches(6, 5, 7)
    assert not matches(8, 5, 7) and not matches(4, 5, 7)
    assert matches(True, True, True) and not matches(False, True, True)
    assert not matches(None, 5, 5)
    assert matches("live", "live", "live") and not matches("x", "live", "live")


def test_flatten_dots_nested_keys() -> None:
    assert flatten({"a": 1, "q": {"b": 2, "c": {"d": 3}}}) == {"a": 1, "q.b": 2, "q.c.d": 3}
