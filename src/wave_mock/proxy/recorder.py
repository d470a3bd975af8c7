"""``--record FILE``: every exchange, keys redacted, as HAR 1.2 (``.har``) or JSON Lines (``.jsonl``).

The HAR file is valid JSON after every exchange: each entry is written over the closing
``]}}`` and the closing written again, so a crash or a kill -9 loses nothing already sent.
The entries themselves come from the shared writer, ``wave_mock.har``.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Callable, Iterable

from wave_mock.har import Exchange, har_document, har_entry, jsonl_line

_PLACEHOLDER = '"entries": []'


class Recorder:
    """Append exchanges to one file; thread-safe."""

    def __init__(self, path: str | Path, secrets: Callable[[], Iterable[str]], comment: str = "") -> None:
        self.path = Path(path)
        self.secrets = secrets  # the keys seen so far, read at each write
        self.har = self.path.suffix.lower() == ".har"
        self.lock = threading.Lock()
        self.count = 0
        self.file = self.path.open("w" if self.har else "a", encoding="utf-8")
        if self.har:
            head, tail = json.dumps(har_document([], comment=comment), indent=1).split(_PLACEHOLDER)
            self.file.write(head + '"entries": [\n')
            self.body_end = self.file.tell()
            self.tail = "\n]" + tail + "\n"
            self._close_document()

    def write(self, exchange: Exchange) -> None:
        """Record one exchange, redacted with every key seen so far."""
        secrets = list(self.secrets())
        with self.lock:
            if self.file.closed:
                return
            if not self.har:
                self.file.write(jsonl_line(exchange, secrets) + "\n")
                self.file.flush()
                return
            self.file.seek(self.body_end)
            self.file.write(("" if self.count == 0 else ",\n") + json.dumps(har_entry(exchange, secrets), ensure_ascii=False))
            self.body_end = self.file.tell()
            self.count += 1
            self._close_document()

    def _close_document(self) -> None:
        self.file.write(self.tail)
        self.file.truncate()
        self.file.flush()

    def close(self) -> None:
        with self.lock:
            self.file.close()
