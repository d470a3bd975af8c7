"""Give setuptools the package list; everything else lives in pyproject.toml.

Subpackages under src/ are discovered, so adding one needs no edit here; the data packages
are mapped from the repo-root directories by [tool.setuptools.package-dir] in pyproject.toml,
which discovery cannot see (and pyproject.toml cannot combine a mapping with discovery).
"""

from __future__ import annotations

from setuptools import find_namespace_packages, setup

DATA_PACKAGES = ["wave_mock._openapi", "wave_mock._contract_tests", "wave_mock._fixtures"]

setup(
    packages=[
        *find_namespace_packages("src", include=["wave_mock", "wave_mock.*"], exclude=["*__pycache__*"]),
        *DATA_PACKAGES,
    ]
)
