"""A reply loop through the official SDKs (Python 6.0.0 with strict validation, TypeScript 5.0.0),
against the fake only: a send is pending, then sent under its final ID at the top of the list;
it is edited, reacted to and deleted, and every answer has the shape the SDK expects.

``check`` and every other contract test send reads only; writes go to a fake this suite started
(``target.fake``), never to a server it was pointed at.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from beeper_desktop_api import BadRequestError, BeeperDesktop

from contract_tests.conftest import Target
from contract_tests.test_typescript_sdk import run_sdk
from fake_beeper import FakeBeeper

pytestmark = pytest.mark.latest_sdks  # made for the newest stage: see conftest


@pytest.fixture
def fake_target(target: Target) -> Iterator[Target]:
    """A fake of its own, like the suite's (writes would change the world the other tests walk)."""
    if target.fake is None:
        pytest.skip("writes are checked against the fake only: this target is another server")
    with FakeBeeper(token=target.token, profile=target.stage).start() as fake:
        yield Target(fake.base_url, fake.token, fake, stage=target.stage)


@pytest.fixture
def sdk(fake_target: Target) -> BeeperDesktop:
    return BeeperDesktop(base_url=fake_target.base_url, access_token=fake_target.token, max_retries=0,
                         _strict_response_validation=True)


def a_chat(target: Target) -> str:
    assert target.fake is not None
    return next(chat_id for chat_id in target.fake.ordered_ids()[5:] if target.fake.messages(chat_id))


def test_the_python_sdk_sends_waits_edits_reacts_and_deletes(fake_target: Target, sdk: BeeperDesktop) -> None:
    chat_id = a_chat(fake_target)
    sent = sdk.messages.send(chat_id, text="hello from *python*")
    message = sdk.messages.retrieve(sent.pending_message_id, chat_id=sent.chat_id)
    for _ in range(100):
        if message.send_status and message.send_status.status != "PENDING":
            break
        time.sleep(0.05)
        message = sdk.messages.retrieve(sent.pending_message_id, chat_id=sent.chat_id)
    assert message.send_status and message.send_status.status == "SUCCESS" and message.id != sent.pending_message_id
    assert sdk.chats.list().items[0].id == sent.chat_id

    edited = sdk.messages.update(message.id, chat_id=chat_id, text="hello again")
    assert edited.success and edited.message_id == message.id and edited.text == "hello again"
    reacted = sdk.chats.messages.reactions.add(message.id, chat_id=chat_id, reaction_key="🎉", transaction_id="t1")
    assert reacted.transaction_id == "t1"
    sdk.chats.messages.reactions.delete("🎉", chat_id=chat_id, message_id=message.id)
    sdk.messages.delete(message.id, chat_id=chat_id, for_everyone=True)
    assert sdk.messages.retrieve(message.id, chat_id=chat_id).is_deleted
    with pytest.raises(BadRequestError):
        sdk.messages.update(message.id, chat_id=chat_id, text="too late")


def test_the_typescript_sdk_runs_the_same_loop(fake_target: Target) -> None:
    chat_id = a_chat(fake_target)
    result = run_sdk(fake_target.env(), {"chatID": chat_id, "text": "hello from **node**"}, "replyLoop")
    assert "error" not in result, result
    loop = result["result"]
    assert loop["message"]["sendStatus"]["status"] == "SUCCESS"
    assert loop["message"]["id"] != loop["sent"]["pendingMessageID"]
    assert loop["message"]["text"] == "hello from <strong>node</strong>"
    assert loop["edited"]["text"] == "hello from **node** (edited)".replace("**node**", "<strong>node</strong>")
    assert loop["reacted"]["success"] and loop["reacted"]["transactionID"]
    assert loop["unreacted"]["reactionKey"] == "👍"
    assert loop["deleted"]["isDeleted"] is True
