"""The contract kit takes its expectations from outside the implementation under test.

Nothing in contract_tests/ may import wave-mock's store, metrics, analytics or events: against
wave-mock, numbers computed by those would be a tautology that passes any metrics bug.
"""

from __future__ import annotations

import ast

from wave_mock.resources import contract_tests_dir

FORBIDDEN = ("wave_mock.storage", "wave_mock.analytics", "wave_mock.metrics", "wave_mock.events",
             "wave_mock.ingest", "wave_mock.state")


def imported_modules(source: str) -> set[str]:
    """Return every module a Python source imports, at any depth (``from a import b`` gives a and a.b).

    >>> sorted(imported_modules("import x.y\\nfrom p import q"))
    ['p', 'p.q', 'x.y']
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def forbidden_in(source: str) -> set[str]:
    return {m for m in imported_modules(source) if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)}


def test_no_kit_module_imports_the_implementation() -> None:
    files = sorted(contract_tests_dir().glob("**/*.py"))
    assert len(files) > 10, "the kit's modules were found"
    offenders = {f.name: sorted(forbidden_in(f.read_text(encoding="utf-8"))) for f in files}
    assert not {k: v for k, v in offenders.items() if v}, offenders


def test_the_scan_catches_a_forbidden_import() -> None:
    # Positive control: each way of importing the metrics engine is seen.
    assert forbidden_in("from wave_mock.analytics import stream_analytics") == {"wave_mock.analytics", "wave_mock.analytics.stream_analytics"}
    assert forbidden_in("def f():\n    import wave_mock.storage.store as s\n") == {"wave_mock.storage.store"}
    assert forbidden_in("from wave_mock import metrics") == {"wave_mock.metrics"}
    assert forbidden_in("from wave_mock.resources import spec_path") == set()
