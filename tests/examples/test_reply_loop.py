"""Test a client's reply loop: it reads the chats, answers what is new, and waits for its send.

The fake is the whole conversation: a message arrives (``fake.activity.message``), the client
sends a reply (``POST …/messages`` answers a pending ID), the reply shows up under its final ID
at the top of the chat list, and ``fake.sent_messages`` says what was sent.
"""

import time

import pytest
from beeper_desktop_api import BeeperDesktop

from fake_beeper import FakeBeeper


def reply_to_questions(client: BeeperDesktop) -> list[str]:
    """The client code under test: answer each chat whose newest message is a question from
    someone else; the pending IDs of its replies."""
    pending = []
    for chat in client.chats.list(limit=50).items:  # the newest chats are enough for this bot
        newest = chat.preview
        if newest and not newest.is_sender and (newest.text or "").endswith("?"):
            sent = client.messages.send(chat.id, text="**Yes!** See you there.", reply_to_message_id=newest.id)
            pending.append(sent.pending_message_id)
    return pending


def wait_until_sent(client: BeeperDesktop, chat_id: str, pending_id: str, timeout: float = 5.0) -> str:
    """The client code under test: poll a pending message until the network has it; its final ID."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = client.messages.retrieve(pending_id, chat_id=chat_id)
        if message.send_status and message.send_status.status == "SUCCESS":
            return message.id
        time.sleep(0.05)
    raise TimeoutError(pending_id)


@pytest.mark.fake_beeper(seed=4, count=40)
def test_the_bot_answers_a_question_and_its_answer_is_sent(fake_beeper: FakeBeeper) -> None:
    client = BeeperDesktop(base_url=fake_beeper.base_url, access_token=fake_beeper.token,
                           http_client=fake_beeper.http_client(), _strict_response_validation=True)
    question_chat = fake_beeper.ordered_ids()[30]
    fake_beeper.activity.message(question_chat, text="dinner at 8?")  # a question arrives

    (pending_id,) = reply_to_questions(client)
    final_id = wait_until_sent(client, question_chat, pending_id)

    (reply,) = fake_beeper.sent_messages(question_chat)
    assert reply["id"] == final_id and reply["text"] == "<strong>Yes!</strong> See you there."
    assert reply["linkedMessageID"] == fake_beeper.messages(question_chat)[1]["id"]  # the question
    top = client.chats.list().items[0]
    assert top.id == question_chat and top.preview and top.preview.id == final_id


@pytest.mark.fake_beeper(seed=4, count=40, scenario={"sends": {"delay": 0, "fail": "FAIL_PERMANENT"}})
def test_the_bot_notices_a_send_that_failed(fake_beeper: FakeBeeper) -> None:
    client = BeeperDesktop(base_url=fake_beeper.base_url, access_token=fake_beeper.token,
                           http_client=fake_beeper.http_client())
    chat_id = fake_beeper.ordered_ids()[30]
    fake_beeper.activity.message(chat_id, text="still there?")

    (pending_id,) = reply_to_questions(client)

    with pytest.raises(TimeoutError):
        wait_until_sent(client, chat_id, pending_id, timeout=0.3)
    assert client.messages.retrieve(pending_id, chat_id=chat_id).send_status.status == "FAIL_PERMANENT"  # type: ignore[union-attr]
