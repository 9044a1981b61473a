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

from contract_tests.conftest import SCHEMATHESIS_STATUSES, TARGET_IS_FOREIGN, TARGET_PROFILE, TARGET_TOKEN, Target
from fake_beeper.check.schema import SAFE_UNEXPECTED_METHODS
from fake_beeper.check.schema import load_schema as packaged_schema

ISSUED_CURSORS: set[str] = set()  # cursors the server handed out
FOLLOWED_CURSORS: list[str] = []  # requests that sent one of them back and got a page


def load_schema() -> schemathesis.BaseSchema:
    # Loaded at import, as @schema.parametrize() needs; the target's URL and token arrive with the
    # `api_schema` fixture. (`schemathesis.pytest.from_fixture`, the lazy loader, fails under
    # pytest 9: it writes a node attribute that pytest no longer has.)
    loaded: schemathesis.BaseSchema = packaged_schema(lambda: TARGET_TOKEN[0], TARGET_PROFILE[0])
    if TARGET_IS_FOREIGN[0]:  # never PUT, PATCH, DELETE or POST to someone's real Beeper Desktop
        loaded.config.phases.coverage.unexpected_methods = set(SAFE_UNEXPECTED_METHODS)

    @loaded.hook
    def after_call(context: Any, case: Any, response: Any) -> None:
        SCHEMATHESIS_STATUSES.append(response.status_code)
        sent = (case.query or {}).get("cursor")
        if sent in ISSUED_CURSORS and response.status_code == 200:
            FOLLOWED_CURSORS.append(sent)
        body = response.json() if response.status_code == 200 else None
        if isinstance(body, dict):  # a page (the accounts are a bare array, a chat has no cursors)
            ISSUED_CURSORS.update(c for c in (body.get("oldestCursor"), body.get("newestCursor")) if c)

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
    # The paged operations alone, so that the steps go to paging. How many steps follow a cursor
    # depends on the draw and on the cases run before (8 to 27 seen); without the links, none do.
    followed_before = len(FOLLOWED_CURSORS)
    paged = api_schema.include(path_regex=r"^/v1/chats(/search)?$")
    paged.as_state_machine().run(settings=hypothesis.settings(max_examples=60, stateful_step_count=8, deadline=None,
                                                              database=None, derandomize=True))
    followed = len(FOLLOWED_CURSORS) - followed_before
    assert followed >= 5, f"the stateful phase followed only {followed} server-issued cursors"
