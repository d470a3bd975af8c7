"""KeyMap equals a dict under random batches of writes and reads, across folds and merges of runs."""

from __future__ import annotations

import random

import numpy as np
import pytest

from wave_mock.metrics import keymap
from wave_mock.metrics.keymap import MISSING, KeyMap


@pytest.mark.parametrize("seed", range(4))
def test_keymap_equals_a_dict(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keymap, "_FOLD", 16)  # fold often
    monkeypatch.setattr(keymap, "_BULK", 24)  # and take big batches straight into a run
    monkeypatch.setattr(keymap, "_SORTED_LOOKUP", 20)  # lookups of 20 keys or more sort them first
    rng, plain, fast, with_recent, many_runs = random.Random(seed), {}, KeyMap(), 0, 0
    for _ in range(60):
        keys = [rng.randrange(-50, 50) * 2**40 for _ in range(rng.randrange(0, 40))]
        values = [rng.randrange(-1, 1000) for _ in keys]
        fast.set(np.array(keys, np.int64), np.array(values, np.int64))
        plain.update(zip(keys, values))  # the last write of a repeated key wins, as in a dict
        with_recent += bool(fast.recent and fast.runs)
        many_runs += len(fast.runs) > 1
        asked = [rng.randrange(-60, 60) * 2**40 for _ in range(rng.randrange(0, 40))]
        assert fast.get(np.array(asked, np.int64)).tolist() == [plain.get(k, MISSING) for k in asked]
        for run_keys, _ in fast.runs:
            assert run_keys.tolist() == sorted(set(run_keys.tolist()))  # sorted, each key once
        sizes = [len(k) for k, _ in fast.runs]
        assert all(a > 2 * b for a, b in zip(sizes, sizes[1:]))  # merged while of like size: log-many runs
    assert with_recent > 5  # positive control: reads met both the runs and the dict of recent writes
    assert many_runs > 5  # and reads met more than one run
