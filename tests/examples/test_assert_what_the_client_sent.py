"""The journal records every request the fake received: assert on what your client sent."""

from beeper_desktop_api import BeeperDesktop

from fake_beeper import FakeBeeper


def test_the_client_follows_the_cursors_it_was_given(fake_beeper: FakeBeeper) -> None:
    client = BeeperDesktop(base_url=fake_beeper.base_url, access_token=fake_beeper.token,
                           http_client=fake_beeper.http_client())
    account = fake_beeper.store.account_ids[0]
    first = client.chats.list(limit=10, account_ids=[account])
    list(first)  # walk every page

    requests = fake_beeper.journal.to("/v1/chats")
    assert len(requests) >= 2
    assert requests[0].param("cursor") is None
    assert requests[1].param("cursor") == first.oldest_cursor
    assert all(r.param("limit") == "10" for r in requests)
    assert all(r.params["accountIDs"] == [account] for r in requests)
    assert requests[0].headers["authorization"] == f"Bearer {fake_beeper.token}"
    assert all(r.status == 200 for r in requests)
