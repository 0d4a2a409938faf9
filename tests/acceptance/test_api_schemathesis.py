"""Fuzzing the API from its own OpenAPI schema (schemathesis): valid and invalid requests to every operation, as
an admin, against a seeded database. Whatever is sent, the answer is never a server error.

Bounded: a few examples per operation and mode, so the whole run stays well under a minute.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable

from botfactory.access import TokenStore
from botfactory.db import Database
from tests.acceptance._api_support import Api, make_api, seed

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import not_a_server_error  # noqa: E402

EXAMPLES = {schemathesis.GenerationMode.POSITIVE: 10, schemathesis.GenerationMode.NEGATIVE: 6}


@pytest.fixture
def api(sqlite_database: Database) -> Iterator[Api]:
    seed(sqlite_database)
    yield from make_api(sqlite_database)


def test_no_server_errors(api: Api) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", api.client.app)
    tokens = TokenStore(api.db)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40
    calls = 0
    for operation in operations:
        for mode, examples in EXAMPLES.items():

            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def call(case: schemathesis.Case) -> None:
                nonlocal calls
                # A fresh admin token each call: fuzzing may revoke the one it was given.
                token = tokens.create("fuzz", "admin")[1]
                case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=[not_a_server_error])
                calls += 1

            try:
                call()
            except Unsatisfiable:
                # Nothing to get wrong (no parameters, no body): only valid requests exist.
                assert mode is schemathesis.GenerationMode.NEGATIVE, operation.label
    assert calls > len(operations) * 5
