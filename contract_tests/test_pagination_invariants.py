"""The pagination checks of ``fake-beeper check`` (``fake_beeper.check.walks``), against the target
server (the fake, or any URL), one test each."""

from __future__ import annotations

import httpx
import pytest

from contract_tests.conftest import Target
from fake_beeper.check.pagination import Walk
from fake_beeper.check.walks import CHECKS, Server


@pytest.fixture(scope="module")
def server(target: Target, http: httpx.Client, full_walk: Walk) -> Server:
    # The precise `after` page is the fake's documented default, not the contract's.
    return Server(http, full_walk, after="adjacent" if target.fake is not None else "unknown", stage=target.stage)


@pytest.mark.parametrize("name", [pytest.param(name, marks=pytest.mark.operations("searchChats"))
                                  if name.startswith("search:") else name for name in CHECKS])
def test_the_pagination_check_holds(server: Server, name: str) -> None:
    CHECKS[name](server)


@pytest.mark.needs_fake_data
def test_the_walk_is_the_fakes_dataset(target: Target, server: Server) -> None:
    assert target.fake is not None
    assert server.full.ids == target.fake.ordered_ids()
    assert len(server.full.ids) == 400
