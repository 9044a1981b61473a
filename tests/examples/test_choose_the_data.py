"""Choose what the fake serves: a seeded dataset, chats the test builds, or a fixture override."""

import pytest
from beeper_desktop_api import BeeperDesktop

from fake_beeper import FakeBeeper, chat


def sdk(fake: FakeBeeper) -> BeeperDesktop:
    return BeeperDesktop(base_url=fake.base_url, access_token=fake.token, http_client=fake.http_client())


@pytest.mark.fake_beeper(seed=3, count=50, accounts=4)
def test_a_generated_dataset_is_the_same_every_run(fake_beeper: FakeBeeper) -> None:
    chats = list(sdk(fake_beeper).chats.list())

    assert len(chats) == 50
    assert len({c.account_id for c in chats}) <= 4
    assert chats[0].id == FakeBeeper.generated(seed=3, count=50, accounts=4).ordered_ids()[0]


@pytest.mark.fake_beeper(chats=[
    chat("!older:beeper.local", last_activity="2026-11-19T09:30:00Z"),
    chat("!newer:beeper.local", last_activity="2026-11-20T18:00:00Z", unread_count=3),
    chat("!other-account:beeper.local", last_activity="2026-11-18T08:00:00Z", account_id="slack_1"),
])
def test_chats_built_by_the_test(fake_beeper: FakeBeeper) -> None:
    client = sdk(fake_beeper)

    assert [c.id for c in client.chats.list()] == [
        "!newer:beeper.local", "!older:beeper.local", "!other-account:beeper.local"]
    assert [c.id for c in client.chats.list(account_ids=["slack_1"])] == ["!other-account:beeper.local"]


@pytest.mark.fake_beeper(token="my-test-token")
def test_a_token_of_your_own(fake_beeper: FakeBeeper) -> None:
    client = BeeperDesktop(base_url=fake_beeper.base_url, access_token="my-test-token",
                           http_client=fake_beeper.http_client())
    assert client.chats.list(limit=1).items
