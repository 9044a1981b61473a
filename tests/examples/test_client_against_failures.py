"""Prove your client survives what production does: rate limits, outages, expiry, slow pages,
broken connections, and chats that move while it pages. Each rule is reproducible."""

import pytest
from beeper_desktop_api import AuthenticationError, BeeperDesktop

from fake_beeper import FakeBeeper


def client_for(fake: FakeBeeper) -> BeeperDesktop:
    return BeeperDesktop(base_url=fake.base_url, access_token=fake.token, http_client=fake.http_client())


def test_a_rate_limit_on_page_3_is_retried(fake_beeper: FakeBeeper) -> None:
    fake_beeper.fail(status=429, retry_after_ms=10, page=3)  # once, on the 3rd page of a walk

    assert [c.id for c in client_for(fake_beeper).chats.list(limit=100)] == fake_beeper.ordered_ids()
    assert [r.status for r in fake_beeper.journal.to("/v1/chats")] == [200, 200, 429, 200, 200]


@pytest.mark.fake_beeper(scenario={"rules": [
    {"match": {"page": 2}, "fault": {"status": 401}},  # "Token expired", as the real app says
]})
def test_an_expired_token_mid_walk_surfaces_as_authentication_error(fake_beeper: FakeBeeper) -> None:
    with pytest.raises(AuthenticationError, match="Token expired"):
        list(client_for(fake_beeper).chats.list(limit=50))


def test_a_dropped_connection_and_a_slow_page(fake_beeper: FakeBeeper) -> None:
    fake_beeper.fail(drop=True, request=1)  # the SDK sees a connection error and retries
    fake_beeper.fail(latency=0.05, page=2)
    assert len(list(client_for(fake_beeper).chats.list(limit=200))) == 400


def test_a_chat_that_jumps_to_the_top_while_paging_is_found_by_polling_newer(fake_beeper: FakeBeeper) -> None:
    client = client_for(fake_beeper)
    first = client.chats.list(limit=100)
    moving = fake_beeper.ordered_ids()[350]  # not walked yet
    fake_beeper.activity.message(moving, text="new message!")  # it moves above the walk's start

    walked = [c.id for page in first.iter_pages() for c in page.items]
    newer = client.chats.list(cursor=first.newest_cursor, direction="after", limit=25)

    assert moving not in walked  # it moved behind the walker: a walk never yields a chat twice
    assert [c.id for c in newer.items] == [moving]  # ... and an `after` poll from the start finds it
