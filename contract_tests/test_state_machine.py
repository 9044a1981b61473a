"""The walker state machine (``fake_beeper.check.machine``) against the target server."""

from __future__ import annotations

import httpx

from contract_tests.conftest import Target
from fake_beeper.check.machine import run_machine
from fake_beeper.check.pagination import walk


def test_interleaved_walks_match_the_model(target: Target, http: httpx.Client) -> None:
    # The precise `after` page is the fake's documented choice, not the contract's.
    run_machine(http, walk(http, limit=200).chats, after="adjacent" if target.fake is not None else None)
