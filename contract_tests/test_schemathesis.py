"""Schemathesis against the target server: every phase, every check, over real HTTP.

The schema is the one ``fake-beeper check`` runs (``fake_beeper.check.schema``): the contract, whose
links lead from a page to the next (``OlderPage``/``NewerPage``) and from a page's first chat to its
retrieve, so the stateful phase walks pages with server-issued cursors, and ``schemathesis.toml``
(the reason for each widened expectation is there). Here examples, coverage and fuzzing run per case
through ``@schema.parametrize()``: against the fake with every unexpected method the configuration
lists, against another server with the harmless ``OPTIONS`` and ``TRACE`` only.
"""

from __future__ import annotations

from typing import Any

import hypothesis
import pytest
import schemathesis

from contract_tests.conftest import (
    SCHEMATHESIS_STATUSES,
    TARGET_IS_FOREIGN,
    TARGET_OPERATIONS,
    TARGET_PROFILE,
    TARGET_TOKEN,
    Target,
    at_most,
)
from fake_beeper.check.schema import SAFE_UNEXPECTED_METHODS, only
from fake_beeper.check.schema import load_schema as packaged_schema


def load_schema() -> schemathesis.BaseSchema:
    # Loaded at import, as @schema.parametrize() needs; the target's URL and token arrive with the
    # `api_schema` fixture. (`schemathesis.pytest.from_fixture`, the lazy loader, fails under
    # pytest 9: it writes a node attribute that pytest no longer has.)
    loaded: schemathesis.BaseSchema = only(packaged_schema(lambda: TARGET_TOKEN[0], TARGET_PROFILE[0]),
                                           TARGET_OPERATIONS)
    loaded.config.generation.max_examples = at_most(loaded.config.generation.max_examples)
    if TARGET_IS_FOREIGN[0]:  # never PUT, PATCH, DELETE or POST to someone's real Beeper Desktop
        loaded.config.phases.coverage.unexpected_methods = set(SAFE_UNEXPECTED_METHODS)

    @loaded.hook
    def after_call(context: Any, case: Any, response: Any) -> None:
        SCHEMATHESIS_STATUSES.append(response.status_code)

    return loaded


schema = load_schema()


@pytest.fixture(scope="session")
def api_schema(target: Target) -> schemathesis.BaseSchema:
    """The schema, pointed at the target (the stateful phase reads its URL from here)."""
    schema.config.update(base_url=target.base_url)
    return schema


@schema.parametrize()
def test_the_server_keeps_to_the_contract(case: schemathesis.Case, target: Target,
                                          api_schema: schemathesis.BaseSchema) -> None:
    # The token goes in through the auth provider, not `headers=`: an explicit header would be
    # put back on the negative cases that leave authentication out on purpose.
    case.call_and_validate(base_url=target.base_url)


def test_stateful_walks_over_server_issued_cursors(api_schema: schemathesis.BaseSchema) -> None:
    # The paged operations alone, so that the steps go to paging with the cursors the server
    # issued (the contract's links). What fails here is the server: a response its checks reject.
    # How many cursors the exploration happens to follow is the tool's business, not the server's:
    # tests/test_check.py holds the tool to following them, against the fake.
    paged = only(api_schema, [name for name in ("listChats", "searchChats") if name in TARGET_OPERATIONS])
    paged.as_state_machine().run(settings=hypothesis.settings(max_examples=at_most(60), stateful_step_count=8,
                                                              deadline=None, database=None, derandomize=True))
