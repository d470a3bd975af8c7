"""Layer 2: every operation, every phase (examples, coverage, fuzzing), every default Schemathesis check.

Checks: not_a_server_error, status_code_conformance, content_type_conformance,
response_schema_conformance, negative_data_rejection, positive_data_acceptance,
ignored_auth, unsupported_method, missing_required_header. A failure prints the
check's name and a reproducing curl.
"""

from __future__ import annotations

import schemathesis

from .kit import target_from_env
from .schemathesis_setup import load_schema

# Loaded at import: schemathesis' lazy (fixture) schemas do not work with pytest 9.
schema = load_schema(target_from_env())


@schema.parametrize()
def test_operation_conforms_to_the_spec(case: schemathesis.Case) -> None:
    case.call_and_validate()
