"""The walker state machine (``fake_beeper.check.machine``) against the target server."""

from __future__ import annotations

import httpx
import pytest

from contract_tests.conftest import Target, at_most
from fake_beeper.check.machine import run_machine
from fake_beeper.check.pagination import SEARCH_CHATS, Walk, walk
from fake_beeper.check.walks import Server


def test_interleaved_walks_match_the_model(target: Target, http: httpx.Client, full_walk: Walk) -> None:
    # The precise `after` page is the fake's documented choice, not the contract's. In a stage
    # without `limit`, walkers take the server's page size.
    run_machine(http, full_walk.chats, after="adjacent" if target.fake is not None else None,
                page_size=Server(http, full_walk, stage=target.stage).page_size, max_examples=at_most(80))


@pytest.mark.operations("searchChats")
def test_interleaved_search_walks_match_the_model(target: Target, http: httpx.Client) -> None:
    # Walkers over the group chats: the model is the search's own full walk.
    searched = {"type": "group"}
    model = walk(http, path=SEARCH_CHATS, filters=searched, limit=200).chats
    run_machine(http, model, after="adjacent" if target.fake is not None else None, path=SEARCH_CHATS,
                filters=searched, max_examples=at_most(80))
