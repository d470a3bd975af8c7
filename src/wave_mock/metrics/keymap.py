"""An int64 -> int64 map for millions of keys at about 16 bytes each.

A dict holding a million int keys costs ~100 bytes per entry; the live dashboard keeps
several (a viewer's last event, first session, ...). Here sorted numpy runs answer lookups
by bisecting, newest run first, and recent writes sit in a small dict that becomes a new
run once it grows. Runs are merged as in a log-structured merge tree: a run is merged
into the one before it while that one is at most twice its size, so there are about
log2(keys / _FOLD) runs and each entry is rewritten about as often. Rewriting one base
at each fold made building the index over n keys cost n² / _FOLD: 58 s at 10M events.
"""

from __future__ import annotations

import numpy as np

MISSING = -(2**62)  # what ``get`` answers for a key never set
_FOLD = 65536  # recent writes kept in the dict before they become a run
_BULK = 4096  # a write of more keys becomes a run directly
_SORTED_LOOKUP = 1024  # a lookup of more keys sorts them first


class KeyMap:
    """Sorted runs of keys with values (newest last), plus a dict of the writes since."""

    __slots__ = ("runs", "recent")

    def __init__(self) -> None:
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []
        self.recent: dict[int, int] = {}

    def get(self, keys: np.ndarray) -> np.ndarray:
        """Return the value of each key (``MISSING`` for unknown ones)."""
        keys = np.asarray(keys, np.int64)
        out = self._from_runs(keys) if len(keys) < _SORTED_LOOKUP else self._from_runs_sorted(keys)
        if self.recent:
            out = np.array(list(map(self.recent.get, keys.tolist(), out.tolist())), np.int64)
        return out

    def _from_runs(self, keys: np.ndarray) -> np.ndarray:
        out = np.full(len(keys), MISSING, np.int64)
        missing = np.ones(len(keys), bool)
        for run_keys, run_values in reversed(self.runs):  # a newer run's value wins
            at = np.minimum(np.searchsorted(run_keys, keys), len(run_keys) - 1)
            hit = missing & (run_keys[at] == keys)
            out[hit] = run_values[at[hit]]
            missing &= ~hit
        return out

    def _from_runs_sorted(self, keys: np.ndarray) -> np.ndarray:
        # Bisecting for sorted keys walks each run in order (numpy starts each search where the
        # last one ended); for random ones every probe missed the cache: 3 of 10 s of a build.
        order = np.argsort(keys)
        out = np.empty(len(keys), np.int64)
        out[order] = self._from_runs(keys[order])
        return out

    def set(self, keys: np.ndarray, values: np.ndarray) -> None:
        """Set ``keys[i]`` to ``values[i]`` (the last write of a repeated key wins)."""
        if len(keys) > _BULK:  # a big write becomes a run at once: a busy ``recent`` slows every ``get``
            self._fold(np.asarray(keys, np.int64), np.asarray(values, np.int64))
            return
        self.recent.update(zip(np.asarray(keys).tolist(), np.asarray(values).tolist()))
        if len(self.recent) > _FOLD:
            self._fold(np.zeros(0, np.int64), np.zeros(0, np.int64))

    def _fold(self, keys: np.ndarray, values: np.ndarray) -> None:
        """Turn the recent writes, then ``keys``, into a new run; merge runs of like size."""
        new_keys = np.concatenate((np.fromiter(self.recent.keys(), np.int64, len(self.recent)), keys))
        new_values = np.concatenate((np.fromiter(self.recent.values(), np.int64, len(self.recent)), values))
        self.recent = {}
        if len(new_keys):
            self.runs.append(_latest_sorted(new_keys, new_values))
        while len(self.runs) > 1 and len(self.runs[-2][0]) <= 2 * len(self.runs[-1][0]):
            (older_keys, older_values), (newer_keys, newer_values) = self.runs.pop(-2), self.runs.pop()
            self.runs.append(_latest_sorted(np.concatenate((older_keys, newer_keys)),
                                            np.concatenate((older_values, newer_values))))


def _latest_sorted(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort by key, keeping each key's last value; two sorted runs merge in one linear pass
    (a stable sort finds them), so no argsort of the whole map holds the GIL (issue 19)."""
    order = np.argsort(keys, kind="stable")  # later writes last within a key
    keys, values = keys[order], values[order]
    last = np.append(keys[1:] != keys[:-1], True) if len(keys) else np.zeros(0, bool)
    return keys[last], values[last]
