"""Errors the way the real app sends them: a revoked token mid-walk, a bad parameter."""

import pytest
from beeper_desktop_api import AuthenticationError, BadRequestError, BeeperDesktop

from fake_beeper import FakeBeeper


def test_a_token_revoked_while_paging_raises_authentication_error(fake_beeper: FakeBeeper) -> None:
    client = BeeperDesktop(base_url=fake_beeper.base_url, access_token=fake_beeper.token,
                           http_client=fake_beeper.http_client())
    pages = client.chats.list(limit=50).iter_pages()
    next(pages)

    fake_beeper.token = "rotated"  # the next request carries a token the fake no longer accepts
    with pytest.raises(AuthenticationError) as error:
        next(pages)
    assert error.value.body["code"] == "UNAUTHORIZED"


def test_an_out_of_range_limit_is_a_bad_request(fake_beeper: FakeBeeper) -> None:
    client = BeeperDesktop(base_url=fake_beeper.base_url, access_token=fake_beeper.token,
                           http_client=fake_beeper.http_client())
    with pytest.raises(BadRequestError) as error:
        client.chats.list(limit=0)
    assert error.value.body["details"]["issues"][0]["path"] == ["query", "limit"]
