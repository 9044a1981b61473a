"""Schemathesis against the target server: every phase, every check, over real HTTP.

Examples, coverage and fuzzing run per case through ``@schema.parametrize()``; the stateful phase
follows links added here to the contract (the Beeper document has none): ``OlderPage`` (cursor
from ``oldestCursor`` with ``before``) and ``NewerPage`` (``newestCursor`` with ``after``), so
Schemathesis walks pages with server-issued cursors. The configuration and the reason for each
widened expectation are in ``schemathesis.toml``.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis

from contract_tests.conftest import SCHEMATHESIS_STATUSES, TARGET_TOKEN, Target
from fake_beeper import spec

ROOT = Path(__file__).resolve().parent.parent
ISSUED_CURSORS: set[str] = set()  # cursors the server handed out
FOLLOWED_CURSORS: list[str] = []  # requests that sent one of them back and got a page


def contract_with_page_links() -> dict[str, Any]:
    document = copy.deepcopy(spec.spec())
    operation_id = spec.list_chats_operation()["operationId"]
    ok = document["paths"][spec.LIST_CHATS_PATH]["get"]["responses"]["200"]
    ok["links"] = {
        "OlderPage": {"operationId": operation_id,
                      "parameters": {"cursor": "$response.body#/oldestCursor", "direction": "before"}},
        "NewerPage": {"operationId": operation_id,
                      "parameters": {"cursor": "$response.body#/newestCursor", "direction": "after"}},
    }
    return document


def load_schema() -> schemathesis.BaseSchema:
    # Loaded at import, as @schema.parametrize() needs; the target's URL and token arrive with the
    # `api_schema` fixture. (`schemathesis.pytest.from_fixture`, the lazy loader, fails under
    # pytest 9: it writes a node attribute that pytest no longer has.)
    loaded = schemathesis.openapi.from_dict(contract_with_page_links(),
                                            config=schemathesis.Config.from_path(ROOT / "schemathesis.toml"))

    @loaded.hook
    def after_call(context: Any, case: Any, response: Any) -> None:
        SCHEMATHESIS_STATUSES.append(response.status_code)
        sent = (case.query or {}).get("cursor")
        if sent in ISSUED_CURSORS and response.status_code == 200:
            FOLLOWED_CURSORS.append(sent)
        if response.status_code == 200:
            body = response.json()
            ISSUED_CURSORS.update(c for c in (body.get("oldestCursor"), body.get("newestCursor")) if c)

    @loaded.auth()
    class TargetToken:
        """The target's bearer token, as Schemathesis's auth provider: it is left off the cases
        that test authentication (ignored_auth, missing-credential negatives)."""

        def get(self, case: schemathesis.Case, context: Any) -> str:
            return TARGET_TOKEN[0]

        def set(self, case: schemathesis.Case, data: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

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
    followed_before = len(FOLLOWED_CURSORS)
    state_machine = api_schema.as_state_machine()
    state_machine.run(settings=hypothesis.settings(max_examples=60, stateful_step_count=8, deadline=None,
                                                   database=None, derandomize=True))
    followed = len(FOLLOWED_CURSORS) - followed_before
    assert followed >= 20, f"the stateful phase followed only {followed} server-issued cursors"
