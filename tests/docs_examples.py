"""The WAVE docs' examples, read from the committed copy of the docs (docs/seed/wave-analytics-docs.txt).

Tests take their cURL commands, JSON bodies and Python snippet from here rather than
pasting them, so a change in the docs shows up as a failing test.
"""

from __future__ import annotations

import json
import re
import shlex
from functools import lru_cache
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parents[1] / "docs" / "seed" / "wave-analytics-docs.txt"
_TAB = re.compile(r"\{% tab label=[“\"](?P<label>[^”\"]+)[”\"] %\}\n(?P<body>.*?)\n\{% /tab %\}", re.S)
DOCS_HOST = "https://api.wave.online"
DOCS_KEY = "YOUR_API_KEY"


@lru_cache(maxsize=1)
def tabs() -> list[tuple[str, str]]:
    """Return every (label, code) tab of the docs, in order."""
    return [(m["label"], m["body"]) for m in _TAB.finditer(DOCS.read_text(encoding="utf-8"))]


def curl(path: str) -> str:
    """Return the docs' cURL command whose URL path (without the query) is ``/api/v1`` + ``path``."""
    for label, code in tabs():
        if label == "cURL" and _url(code).split("?")[0] == f"{DOCS_HOST}/api/v1{path}":
            return code
    raise LookupError(f"the docs have no cURL example for {path}")


def curl_body(path: str) -> Any:
    """Return the JSON body (``-d``) of the docs' cURL example for ``path``."""
    words = shlex.split(curl(path).replace("\\\n", " "))
    return json.loads(words[words.index("-d") + 1])


def python_example() -> str:
    """Return the docs' Python example."""
    return next(code for label, code in tabs() if label == "Python")


def _url(command: str) -> str:
    return next(w for w in shlex.split(command.replace("\\\n", " ")) if w.startswith("http"))
