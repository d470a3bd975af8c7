"""Ship the OpenAPI specs as ``wave_mock._openapi`` (package data; see pyproject.toml)."""
