"""Locate the files that ship inside the package: specs, the contract kit and fixtures.

The repo-root directories ``openapi/``, ``contract_tests/`` and ``fixtures/`` are mapped
into the package as ``wave_mock._openapi``, ``wave_mock._contract_tests`` and
``wave_mock._fixtures`` (see ``[tool.setuptools.package-dir]`` in pyproject.toml), so the
same lookup works from a checkout (editable install) and from an installed wheel, whatever
the current directory is.

    >>> spec_path().name
    'wave-analytics.yaml'
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

SPEC_PACKAGE = "wave_mock._openapi"
CONTRACT_TESTS_PACKAGE = "wave_mock._contract_tests"
FIXTURES_PACKAGE = "wave_mock._fixtures"

SPEC_FILENAME = "wave-analytics.yaml"
ADMIN_SPEC_FILENAME = "wave-mock-admin.yaml"
DEMO_FIXTURE_FILENAME = "demo.jsonl"


def _package_dir(package: str) -> Path:
    """Return the directory of a data package as a real filesystem path."""
    # Both install modes put these packages on disk (wheels are unpacked, editable installs
    # point at the checkout), so the Traversable is always a concrete path; zipimport is
    # not supported, and failing loudly beats silently extracting to a temp dir.
    traversable = files(package)
    path = Path(str(traversable))
    if not path.is_dir():
        raise FileNotFoundError(f"package data directory for {package} not found at {path}")
    return path


def spec_path() -> Path:
    """Return the path of the WAVE Analytics OpenAPI spec (``wave-analytics.yaml``)."""
    return _package_dir(SPEC_PACKAGE) / SPEC_FILENAME


def admin_spec_path() -> Path:
    """Return the path of the mock's own admin API spec (``wave-mock-admin.yaml``)."""
    return _package_dir(SPEC_PACKAGE) / ADMIN_SPEC_FILENAME


def contract_tests_dir() -> Path:
    """Return the directory of the contract-test kit (a pytest suite)."""
    return _package_dir(CONTRACT_TESTS_PACKAGE)


def fixtures_dir() -> Path:
    """Return the directory holding the committed fixture event streams."""
    return _package_dir(FIXTURES_PACKAGE)


def demo_fixture_path() -> Path:
    """Return the path of the demo event stream that ``make run`` loads."""
    return fixtures_dir() / DEMO_FIXTURE_FILENAME
