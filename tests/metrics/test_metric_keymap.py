"""KeyMap equals a dict under random batches of writes and reads, across folds."""

from __future__ import annotations

import random

import numpy as np
import pytest

from wave_mock.metrics import keymap
from wave_mock.metrics.keymap import MISSING, KeyMap


@pytest.mark.parametrize("seed", range(4))
def test_keymap_equals_a_dict(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keymap, "_FOLD", 16)  # fold often
    monkeypatch.setattr(keymap, "_BULK", 24)  # and take big batches straight into the base
    rng, plain, fast, with_recent = random.Random(seed), {}, KeyMap(), 0
    for _ in range(60):
        keys = [rng.randrange(-50, 50) * 2**40 for _ in range(rng.randrange(0, 40))]
        values = [rng.randrange(-1, 1000) for _ in keys]
        fast.set(np.array(keys, np.int64), np.array(values, np.int64))
        plain.update(zip(keys, values))  # the last write of a repeated key wins, as in a dict
        with_recent += bool(fast.recent and len(fast.keys))
        asked = [rng.randrange(-60, 60) * 2**40 for _ in range(30)]
        assert fast.get(np.array(asked, np.int64)).tolist() == [plain.get(k, MISSING) for k in asked]
        base = fast.keys.tolist()
        assert base == sorted(set(base))  # sorted, each key once: a replaced entry leaves the base
    assert with_recent > 5  # positive control: reads met both the base and the dict of recent writes
