"""Test against your own inbox's shapes, without its people: a recording, served by the marker.

``my_beeper.jsonl`` was written by ``fake-beeper record`` (here from the fake's default data, so
that anyone can make it again; see ``test_the_committed_example_is_a_fresh_recording``):

    fake-beeper record --from http://localhost:23373 --seed 1 --max-chats 30 --message-chats 5 \
        --out my_beeper.jsonl

Its names, messages and IDs are generated; its structure, counts, types, timestamps and the
accounts' statuses are the source's. It holds the newest 20 messages of its five newest chats (the
others have their preview alone).
"""

from pathlib import Path

import pytest
from beeper_desktop_api import BeeperDesktop

from fake_beeper import FakeBeeper

RECORDED = Path(__file__).with_name("my_beeper.jsonl")


def sdk(fake: FakeBeeper) -> BeeperDesktop:
    return BeeperDesktop(base_url=fake.base_url, access_token=fake.token, http_client=fake.http_client(),
                         _strict_response_validation=True)


@pytest.mark.fake_beeper(fixtures=RECORDED)
def test_a_recording_serves_its_chats_and_accounts(fake_beeper: FakeBeeper) -> None:
    client = sdk(fake_beeper)

    chats = list(client.chats.list())
    accounts = client.accounts.list()

    assert len(chats) == 30
    assert {chat.account_id for chat in chats} <= {account.account_id for account in accounts}
    assert len(accounts) == 12  # every account of the source, with its status
    assert {account.status for account in accounts} >= {"connected", "reconnect_required", "disconnected"}


@pytest.mark.fake_beeper(fixtures=RECORDED)
def test_the_same_person_is_the_same_pseudonym_in_every_chat(fake_beeper: FakeBeeper) -> None:
    client = sdk(fake_beeper)
    me = {account.account_id: account.user.id for account in client.accounts.list()}

    for chat in client.chats.list():
        selves = [person.id for person in chat.participants.items if person.is_self]
        assert selves in ([], [me[chat.account_id]])


@pytest.mark.fake_beeper(fixtures=RECORDED)
def test_a_recording_serves_the_messages_it_holds(fake_beeper: FakeBeeper) -> None:
    client = sdk(fake_beeper)
    newest = next(chat for chat in client.chats.list() if chat.preview and not chat.merge)

    messages = list(client.messages.list(newest.id))  # every page, as recorded

    assert 1 < len(messages) <= 20 and messages[0].id == newest.preview.id  # type: ignore[union-attr]
