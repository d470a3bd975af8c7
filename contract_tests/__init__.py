"""Ship the contract-test kit as ``wave_mock._contract_tests`` (see pyproject.toml).

The kit is imported as ``contract_tests`` from a checkout and as ``wave_mock._contract_tests``
when installed, so modules inside it import each other relatively (``from .helpers import x``).
"""
