"""Sends, edits, deletes and reactions: what a client's writes do to the fake's world.

A send answers ``{chatID, pendingMessageID}``; the message is in the chat at once (pending), the
chat at the top of the list with it as its preview; after the send delay it has its final ID.
Each write's bad input is a 400 naming the field.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from beeper_desktop_api import BadRequestError, BeeperDesktop

from fake_beeper import FakeBeeper
from fake_beeper.data import load_chats
from fake_beeper.errors import InvalidRequest
from fake_beeper.world.conversation import Conversation, SendPlan
from fake_beeper.world.write_budget import WriteBudget
from tests.sdk import strict_sdk


@pytest.fixture
def fake() -> Any:
    with FakeBeeper(load_chats(seed=6, count=40, accounts=2)) as fake:
        yield fake


@pytest.fixture
def client(fake: FakeBeeper) -> BeeperDesktop:
    return strict_sdk(fake)


def a_chat_down_the_list(fake: FakeBeeper) -> str:
    return next(chat_id for chat_id in fake.ordered_ids()[10:] if fake.messages(chat_id))


def test_a_send_is_pending_at_the_top_then_has_its_final_id(fake: FakeBeeper, client: BeeperDesktop) -> None:
    fake.sends = {"delay": 3600}  # pending for as long as this test looks
    chat_id = a_chat_down_the_list(fake)
    sent = client.messages.send(chat_id, text="**on my way**")
    assert sent.chat_id == chat_id

    pending = client.messages.retrieve(sent.pending_message_id, chat_id=chat_id)
    assert pending.id == sent.pending_message_id and pending.send_status and pending.send_status.status == "PENDING"
    assert pending.text == "<strong>on my way</strong>" and pending.is_sender
    top = client.chats.list().items[0]
    assert top.id == chat_id and top.preview and top.preview.id == sent.pending_message_id
    assert top.last_activity == pending.timestamp

    fake.sends = {"delay": 0}  # the plan of the sends from now on; this one ends when its time comes
    fake.state.conversation._pending[0].due = 0  # its time has come (the clock, without a sleep)
    final = client.messages.retrieve(sent.pending_message_id, chat_id=chat_id)
    assert final.id != sent.pending_message_id and final.send_status and final.send_status.status == "SUCCESS"
    assert client.messages.retrieve(final.id, chat_id=chat_id) == final
    newest = client.messages.list(chat_id).items
    assert [m.id for m in newest].count(final.id) == 1 and newest[0].id == final.id
    assert sent.pending_message_id not in {m.id for m in client.messages.list(chat_id).items}
    assert client.chats.list().items[0].preview.id == final.id  # type: ignore[union-attr]
    assert [m["id"] for m in fake.sent_messages(chat_id)] == [final.id]


def test_sends_end_on_the_clock_they_are_given() -> None:
    now = [100.0]
    fake = FakeBeeper(load_chats(seed=6, count=5))
    conversation = Conversation(fake.store, fake.state.messages, fake.stage, monotonic=lambda: now[0])
    conversation.plan = SendPlan(delay=2.0)
    chat_id = next(c for c in fake.ordered_ids() if fake.messages(c))
    pending_id = conversation.send(chat_id, {"text": "hi"})["pendingMessageID"]
    now[0] += 1.9
    conversation.settle()
    assert [m["id"] for m in conversation.sent()] == [pending_id]
    now[0] += 0.1
    conversation.settle()
    (ended,) = conversation.sent()
    assert ended["id"] != pending_id and ended["sendStatus"]["status"] == "SUCCESS"


def test_writes_are_bounded_by_the_fakes_budget() -> None:
    fake = FakeBeeper(load_chats(seed=6, count=5))
    chat_id = next(c for c in fake.ordered_ids() if fake.messages(c))
    few = Conversation(fake.store, fake.state.messages, fake.stage, budget=WriteBudget(writes=2, size=10**6))
    few.send(chat_id, {"text": "one"})
    few.send(chat_id, {"text": "two"})
    with pytest.raises(InvalidRequest, match="at most 2 writes"):
        few.send(chat_id, {"text": "three"})
    small = Conversation(fake.store, fake.state.messages, fake.stage, budget=WriteBudget(writes=100, size=2_000))
    with pytest.raises(InvalidRequest, match="of what they store"):
        small.send(chat_id, {"text": "x" * 3_000})
    assert [m["text"] for m in fake.messages(chat_id)[:2]] == ["two", "one"]  # the refused ones left nothing


def test_a_scenario_makes_sends_fail(fake: FakeBeeper, client: BeeperDesktop) -> None:
    fake.scenario(sends={"delay": 0, "fail": "FAIL_PERMANENT", "times": 1})
    chat_id = a_chat_down_the_list(fake)
    failed = client.messages.send(chat_id, text="one")
    sent = client.messages.send(chat_id, text="two")
    first = client.messages.retrieve(failed.pending_message_id, chat_id=chat_id)
    assert first.id == failed.pending_message_id and first.send_status.status == "FAIL_PERMANENT"  # type: ignore[union-attr]
    second = client.messages.retrieve(sent.pending_message_id, chat_id=chat_id)
    assert second.send_status.status == "SUCCESS"  # type: ignore[union-attr]


def test_a_lost_answer_and_the_sdks_retry_send_it_twice(fake: FakeBeeper) -> None:
    """The SDKs retry a 5xx on a send without an idempotency key: if the send went through and
    only its answer was lost, the message is there twice, as on a real server; the journal shows both."""
    fake.sends = {"delay": 0}
    fake.fail(500, operation="/v1/chats/{chatID}/messages", method="POST", after_serving=True)
    retrying = strict_sdk(fake, max_retries=2)
    chat_id = a_chat_down_the_list(fake)
    retrying.messages.send(chat_id, text="only once, I hope")
    assert [m["text"] for m in fake.sent_messages(chat_id)] == ["only once, I hope"] * 2
    posts = [r for r in fake.journal if r.method == "POST"]
    assert [r.status for r in posts] == [500, 200]
    assert posts[0].json() == posts[1].json() == {"text": "only once, I hope"}


def test_a_reply_links_to_its_message_and_an_attachment_sets_the_type(fake: FakeBeeper, client: BeeperDesktop) -> None:
    fake.sends = {"delay": 0}
    chat_id = a_chat_down_the_list(fake)
    replied = fake.messages(chat_id)[3]
    picture = {"upload_id": "up1", "mime_type": "image/png", "size": {"width": 4, "height": 3}}
    sent = client.messages.send(chat_id, text="this", reply_to_message_id=replied["id"], attachment=picture)
    message = client.messages.retrieve(sent.pending_message_id, chat_id=chat_id)
    assert message.linked_message_id == replied["id"] and message.type == "IMAGE"
    assert message.attachments and message.attachments[0].type == "img" and message.attachments[0].size.width == 4  # type: ignore[union-attr]


def test_a_send_to_a_merged_chat_goes_to_its_member() -> None:
    chats = load_chats(seed=1, count=400)
    with FakeBeeper(chats) as fake, fake.http_client() as http:
        merged = next(chat for chat in map(_body, chats) if chat.get("merge"))
        members = [c for c in merged["merge"]["chatIDs"] if fake.store.get(c) is not None]
        expected = merged["merge"].get("defaultChatID") or max(
            members, key=lambda c: _body(fake.store.get(c)).get("lastActivity") or "")
        answer = http.post(f"/v1/chats/{merged['id']}/messages", json={"text": "hi"}).json()
        assert answer["chatID"] == expected


def test_a_send_to_a_merged_chat_whose_members_are_all_gone_is_refused_naming_the_chat() -> None:
    chats = load_chats(seed=1, count=400)
    with FakeBeeper(chats) as fake, fake.http_client() as http:
        merged = next(chat for chat in map(_body, chats) if chat.get("merge"))
        for member in merged["merge"]["chatIDs"]:
            if fake.store.get(member) is not None:
                fake.activity.remove(member)
        refused = http.post(f"/v1/chats/{merged['id']}/messages", json={"text": "hi"})
        assert refused.status_code == 400
        assert refused.json()["details"]["issues"][0]["path"] == ["path", "chatID"]
        assert fake.sent_messages() == []


def test_edit_delete_and_react(fake: FakeBeeper, client: BeeperDesktop) -> None:
    fake.sends = {"delay": 0}
    chat_id = a_chat_down_the_list(fake)
    message_id = client.messages.retrieve(client.messages.send(chat_id, text="typo").pending_message_id,
                                          chat_id=chat_id).id
    edited = client.messages.update(message_id, chat_id=chat_id, text="fixed")
    assert edited.text == "fixed" and edited.edited_timestamp and edited.message_id == message_id
    assert client.chats.list().items[0].preview.text == "fixed"  # type: ignore[union-attr]

    added = client.chats.messages.reactions.add(message_id, chat_id=chat_id, reaction_key="👍")
    assert added.transaction_id and added.success
    (reaction,) = client.messages.retrieve(message_id, chat_id=chat_id).reactions or []
    assert reaction.reaction_key == "👍" and reaction.emoji
    client.chats.messages.reactions.delete("👍", chat_id=chat_id, message_id=message_id)
    assert not client.messages.retrieve(message_id, chat_id=chat_id).reactions

    client.messages.delete(message_id, chat_id=chat_id)
    deleted = client.messages.retrieve(message_id, chat_id=chat_id)
    assert deleted.is_deleted and deleted.text is None
    assert client.messages.list(chat_id).items[0].id == message_id  # still in its place


@pytest.mark.parametrize(("method", "path", "body", "field"), [
    ("POST", "/messages", {"text": 5}, ["body", "text"]),
    ("POST", "/messages", {"text": "[" * 16_385}, ["body", "text"]),  # Markdown past its bound
    ("POST", "/messages", {}, ["body", "text"]),
    ("POST", "/messages", {"text": "x", "replyToMessageID": "nope"}, ["body", "replyToMessageID"]),
    ("POST", "/messages", {"attachment": {"type": "image"}}, ["body", "attachment", "uploadID"]),
    ("POST", "/messages", {"attachment": {"uploadID": "u", "type": "hologram"}}, ["body", "attachment", "type"]),
    ("PUT", "/messages/{own}", {}, ["body", "text"]),
    ("PUT", "/messages/{theirs}", {"text": "mine now"}, ["path", "messageID"]),
    ("DELETE", "/messages/{pending}", None, ["path", "messageID"]),
    ("POST", "/messages/{own}/reactions", {"reactionKey": ""}, ["body", "reactionKey"]),
    ("DELETE", "/messages/{own}/reactions/%F0%9F%91%8D", None, ["path", "reactionKey"]),
    ("DELETE", "/messages/{own}/reactions", None, ["query", "reactionKey"]),
], ids=lambda value: value if isinstance(value, str) else None)
def test_bad_input_is_a_400_naming_the_field(fake: FakeBeeper, method: str, path: str, body: Any,
                                             field: list[str]) -> None:
    fake.sends = {"delay": 3600}
    chat_id = a_chat_down_the_list(fake)
    theirs = next(m["id"] for m in fake.messages(chat_id) if not m.get("isSender"))
    with fake.http_client() as http:
        pending = http.post(f"/v1/chats/{chat_id}/messages", json={"text": "mine"}).json()["pendingMessageID"]
        target = f"/v1/chats/{chat_id}" + path.format(own=pending, theirs=theirs, pending=pending)
        response = http.request(method, target, json=body)
    assert response.status_code == 400, response.text
    assert field in [issue["path"] for issue in response.json()["details"]["issues"]], response.text


def test_unknown_body_keys_are_accepted_and_bodies_are_bounded(fake: FakeBeeper) -> None:
    chat_id = a_chat_down_the_list(fake)
    with fake.http_client() as http:
        ok = http.post(f"/v1/chats/{chat_id}/messages", json={"text": "hi", "mentions": ["@a:b"],
                                                              "disableLinkPreview": True})
        assert ok.status_code == 200, ok.text
        too_big = http.post(f"/v1/chats/{chat_id}/messages", content=b'{"text": "' + b"x" * (1 << 20) + b'"}',
                            headers={"content-type": "application/json"})
        assert too_big.status_code == 413 and too_big.json()["code"] == "PAYLOAD_TOO_LARGE"
        not_json = http.post(f"/v1/chats/{chat_id}/messages", content=b"text=hi",
                             headers={"content-type": "application/x-www-form-urlencoded"})
        assert not_json.status_code == 415
        for broken_body in (b'{"text": ', b"\n"):  # no JSON; only no body at all is {}
            broken = http.post(f"/v1/chats/{chat_id}/messages", content=broken_body,
                               headers={"content-type": "application/json"})
            assert broken.status_code == 400 and broken.json()["code"] == "INVALID_REQUEST", broken_body
        unknown_chat = http.post("/v1/chats/nope/messages", json={"text": "hi"})
        assert unknown_chat.status_code == 404


def test_writes_exist_in_the_profiles_that_had_them() -> None:
    """Edits and reactions came with 4.2, deletes and the reaction key in the path with 5.0."""
    with FakeBeeper(load_chats(seed=6, count=10), profile="4.1") as old, old.http_client() as http:
        chat_id = next(c for c in old.ordered_ids() if old.messages(c))
        assert http.post(f"/v1/chats/{chat_id}/messages", json={"text": "hi"}).status_code == 200
        assert http.put(f"/v1/chats/{chat_id}/messages/1", json={"text": "x"}).status_code == 404
    with FakeBeeper(load_chats(seed=6, count=10), profile="4.2") as h3, h3.http_client() as http:
        chat_id = next(c for c in h3.ordered_ids() if h3.messages(c))
        assert http.delete(f"/v1/chats/{chat_id}/messages/1").status_code == 405
        own = http.post(f"/v1/chats/{chat_id}/messages", json={"text": "hi"}).json()["pendingMessageID"]
        edited = http.put(f"/v1/chats/{chat_id}/messages/{own}", json={"text": "x"}).json()
        assert set(edited) == {"chatID", "messageID", "success"}  # 4.2's answer: no Message
        http.post(f"/v1/chats/{chat_id}/messages/{own}/reactions", json={"reactionKey": "ok"})
        gone = http.request("DELETE", f"/v1/chats/{chat_id}/messages/{own}/reactions", params={"reactionKey": "ok"})
        assert gone.status_code == 200 and gone.json()["reactionKey"] == "ok"


def test_check_and_the_contract_tests_draw_reads_only() -> None:
    from fake_beeper.check.schema import load_schema
    methods = {result.ok().method.upper() for result in load_schema(lambda: "token").get_all_operations()}
    assert methods == {"GET"}


def test_sent_messages_names_a_chat_by_id_and_knows_no_other(fake: FakeBeeper, client: BeeperDesktop) -> None:
    from fake_beeper.errors import NotFound
    with pytest.raises(NotFound):
        fake.sent_messages("nope")
    assert fake.sent_messages() == []
    with pytest.raises(BadRequestError):
        client.messages.send(a_chat_down_the_list(fake))  # no text, no attachment
    assert fake.sent_messages() == []


def _body(chat: Any) -> dict[str, Any]:
    return orjson.loads(chat.body)  # type: ignore[no-any-return]
