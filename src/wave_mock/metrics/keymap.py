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
        if len(keys) > _FOLD:
            self._fold(np.asarray(keys, np.int64), np.asarray(values, np.int64))
            return
        self.recent.update(zip(np.asarray(keys).tolist(), np.asarray(values).tolist()))
        if len(self.recent) > _FOLD:
            self._fold(np.zeros(0, np.int64), np.zeros(0, np.int64))

    def _fold(self, keys: np.ndarray, values: np.ndarray) -> None:
        recent_keys = np.fromiter(self.recent.keys(), np.int64, len(self.recent))
        recent_values = np.fromiter(self.recent.values(), np.int64, len(self.recent))
        self.recent = {}
        all_keys = np.concatenate((self.keys, recent_keys, keys))
        all_values = np.concatenate((self.values, recent_values, values))
        order = np.argsort(all_keys, kind="stable")  # later writes last within a key
        ordered = all_keys[order]
        last = np.append(ordered[1:] != ordered[:-1], True) if len(ordered) else np.zeros(0, bool)
        self.keys, self.values = ordered[last], all_values[order][last]
