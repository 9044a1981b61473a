"""Read a chat's messages and search them, as a client does: every chat of the fake has a history,
made on demand from the chat (the newest message is its ``preview``)."""

import pytest
from beeper_desktop_api import BeeperDesktop

from fake_beeper import FakeBeeper


def sdk(fake: FakeBeeper) -> BeeperDesktop:
    return BeeperDesktop(base_url=fake.base_url, access_token=fake.token, http_client=fake.http_client(),
                         _strict_response_validation=True)


def unread_texts(client: BeeperDesktop, chat_id: str, last_read_sort_key: str) -> list[str]:
    """The client code under test: the texts of the messages after the last one read."""
    texts = []
    for message in client.messages.list(chat_id):  # newest first, every page
        if int(message.sort_key) <= int(last_read_sort_key):
            break
        texts.append(message.text or "")
    return texts


@pytest.mark.fake_beeper(seed=4, count=40)
def test_the_unread_messages_of_a_chat(fake_beeper: FakeBeeper) -> None:
    client = sdk(fake_beeper)
    chat = next(c for c in client.chats.list() if c.unread_count and c.last_read_message_sort_key)

    texts = unread_texts(client, chat.id, chat.last_read_message_sort_key or "")

    assert len(texts) == chat.unread_count  # the fake's history agrees with the chat's unread state
    assert chat.preview is not None and texts[0] == (chat.preview.text or "")


def test_a_message_that_arrives_is_the_newest(fake_beeper: FakeBeeper) -> None:
    client = sdk(fake_beeper)
    chat_id = fake_beeper.ordered_ids()[10]

    fake_beeper.activity.message(chat_id, text="are we still on for dinner?")

    newest = client.messages.list(chat_id).items[0]
    assert newest.text == "are we still on for dinner?"
    assert client.messages.search(query="dinner still").items[0].id == newest.id
    assert client.messages.retrieve(newest.id, chat_id=chat_id).text == newest.text


def test_everything_a_chat_holds_is_readable_from_the_fake(fake_beeper: FakeBeeper) -> None:
    chat_id = fake_beeper.ordered_ids()[0]

    messages = fake_beeper.messages(chat_id)  # newest first, as the SDK walks them

    assert [m.id for m in sdk(fake_beeper).messages.list(chat_id)] == [m["id"] for m in messages]
