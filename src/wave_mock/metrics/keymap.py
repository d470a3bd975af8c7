"""An int64 -> int64 map for hundreds of thousands of keys at 16 bytes each.

A dict holding a million int keys costs ~100 bytes per entry; the live dashboard keeps
several (a viewer's last event, first session, ...). Here a sorted numpy base answers
lookups by bisecting, and recent writes sit in a small dict that is folded into the base
once it grows: a batch costs its own size, and the base is rewritten once per ``_FOLD``
writes.
"""

from __future__ import annotations

import numpy as np

MISSING = -(2**62)  # what ``get`` answers for a key never set
_FOLD = 65536  # recent writes kept in the dict before they are merged into the base
_BULK = 4096  # a write of more keys is merged into the base directly


class KeyMap:
    """Sorted keys with values, plus a dict of the writes since the last fold."""

    __slots__ = ("keys", "values", "recent")

    def __init__(self) -> None:
        self.keys = np.zeros(0, np.int64)
        self.values = np.zeros(0, np.int64)
        self.recent: dict[int, int] = {}

    def get(self, keys: np.ndarray) -> np.ndarray:
        """Return the value of each key (``MISSING`` for unknown ones)."""
        keys = np.asarray(keys, np.int64)
        out = np.full(len(keys), MISSING, np.int64)
        if len(self.keys):
            at = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
            hit = self.keys[at] == keys
            out[hit] = self.values[at[hit]]
        if self.recent:
            out = np.array(list(map(self.recent.get, keys.tolist(), out.tolist())), np.int64)
        return out

    def set(self, keys: np.ndarray, values: np.ndarray) -> None:
        """Set ``keys[i]`` to ``values[i]`` (the last write of a repeated key wins)."""
        if len(keys) > _BULK:  # a big write merges at once: a busy ``recent`` slows every ``get``
            self._fold(np.asarray(keys, np.int64), np.asarray(values, np.int64))
            return
        self.recent.update(zip(np.asarray(keys).tolist(), np.asarray(values).tolist()))
        if len(self.recent) > _FOLD:
            self._fold(np.zeros(0, np.int64), np.zeros(0, np.int64))

    def _fold(self, keys: np.ndarray, values: np.ndarray) -> None:
        """Merge the recent writes and ``keys`` into the sorted base.

        Only the new keys are sorted; the base is merged into in one linear pass (an
        argsort of the whole base held the GIL for ~100 ms at a million keys, and
        ingestion waited that long: issue 19).
        """
        new_keys = np.concatenate((np.fromiter(self.recent.keys(), np.int64, len(self.recent)), keys))
        new_values = np.concatenate((np.fromiter(self.recent.values(), np.int64, len(self.recent)), values))
        self.recent = {}
        order = np.argsort(new_keys, kind="stable")  # later writes last within a key
        new_keys, new_values = new_keys[order], new_values[order]
        last = np.append(new_keys[1:] != new_keys[:-1], True) if len(new_keys) else np.zeros(0, bool)
        new_keys, new_values = new_keys[last], new_values[last]
        base_keys, base_values = self.keys, self.values
        if len(base_keys) and len(new_keys):  # drop the base entries the new writes replace
            at = np.minimum(np.searchsorted(base_keys, new_keys), len(base_keys) - 1)
            kept = np.ones(len(base_keys), bool)
            kept[at[base_keys[at] == new_keys]] = False
            base_keys, base_values = base_keys[kept], base_values[kept]
        where = np.searchsorted(base_keys, new_keys)
        self.keys, self.values = np.insert(base_keys, where, new_keys), np.insert(base_values, where, new_values)
