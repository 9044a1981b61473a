"""Schemathesis over the write operations, against a fake of this test's own: every answer of its
documented shape, every body the schema refuses answered with a 4xx, never a 500.

Writes never go to the suite's target when it is another server: only ``fake-beeper``'s own
fake, started here, takes them (``check`` and ``test_schemathesis.py`` draw reads only).
Half of the drawn chat IDs are replaced by IDs of the fake's chats, so that the cases reach the
writes themselves, not only the 404 of an unknown chat.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest
import schemathesis

from contract_tests.conftest import TARGET_IS_FOREIGN, TARGET_PROFILE, Target, at_most
from fake_beeper import FakeBeeper
from fake_beeper.check.schema import config_path, contract
from fake_beeper.data import load_chats

pytestmark = pytest.mark.skipif(TARGET_IS_FOREIGN[0], reason="writes are checked against the fake only")

CHATS = load_chats(seed=9, count=60, accounts=2)
_KNOWN_IDS = [chat.id for chat in CHATS]
_PICK = random.Random(20261206)


def _writes_schema() -> schemathesis.BaseSchema:
    with resources.as_file(config_path()) as path:
        config = schemathesis.Config.from_path(path)
    loaded = schemathesis.openapi.from_dict(contract(TARGET_PROFILE[0]), config=config)
    loaded = loaded.exclude(method="GET")
    loaded.config.generation.max_examples = at_most(loaded.config.generation.max_examples)

    @loaded.hook
    def map_path_parameters(context: Any, path: dict[str, Any] | None) -> dict[str, Any] | None:
        if path and "chatID" in path and _PICK.random() < 0.5:
            path["chatID"] = _PICK.choice(_KNOWN_IDS)
        return path

    return loaded


schema = _writes_schema()


@pytest.fixture(scope="module")
def own_fake(target: Target) -> Iterator[FakeBeeper]:
    with FakeBeeper(CHATS, token=target.token, profile=TARGET_PROFILE[0]).start() as fake:
        fake.sends = {"delay": 0}
        yield fake


@schema.parametrize()
def test_the_writes_keep_to_the_contract(case: schemathesis.Case, own_fake: FakeBeeper) -> None:
    case.call_and_validate(base_url=own_fake.base_url, headers={"Authorization": f"Bearer {own_fake.token}"})
    assert not own_fake.errors, own_fake.errors[0]
