"""Chat actions: what archive, read, unread, reminders, PATCH, notify-anyway, create and start do
to the chat list, through the official SDK as a client calls them."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from beeper_desktop_api import BadRequestError, BeeperDesktop, NotFoundError

from fake_beeper import FakeBeeper
from fake_beeper.data import load_chats
from tests.sdk import strict_sdk


@pytest.fixture
def fake() -> Any:
    with FakeBeeper(load_chats(seed=6, count=60, accounts=2)) as fake:
        yield fake


@pytest.fixture
def client(fake: FakeBeeper) -> BeeperDesktop:
    return strict_sdk(fake)


def places(client: BeeperDesktop) -> list[str]:
    return [chat.id for chat in client.chats.list(limit=200).items]


def test_read_counts_what_is_left_and_unread_from_a_message(client: BeeperDesktop) -> None:
    chat = next(c for c in client.chats.list(limit=200).items if c.unread_count and c.preview)
    before = places(client)

    read = client.chats.mark_read(chat.id)
    assert read.unread_count == 0 and read.unread_mentions_count == 0 and read.is_marked_unread is False
    assert read.last_read_message_sort_key == chat.preview.sort_key  # type: ignore[union-attr]

    messages = client.messages.list(chat.id).items
    unread = client.chats.mark_unread(chat.id, message_id=messages[5].id)
    assert unread.unread_count == sum(not m.is_sender for m in messages[:6])
    assert unread.last_read_message_sort_key == messages[6].sort_key
    read_to = client.chats.mark_read(chat.id, message_id=messages[2].id)
    assert read_to.unread_count == sum(not m.is_sender for m in messages[:2])

    assert client.chats.mark_unread(chat.id).is_marked_unread is True
    assert places(client) == before  # reading moves no chat


def test_archive_reminders_and_patch_change_the_chat_in_its_place(client: BeeperDesktop) -> None:
    chat_id = places(client)[7]
    before = places(client)
    client.chats.archive(chat_id)  # no argument: archives
    assert client.chats.retrieve(chat_id).is_archived
    assert chat_id in {c.id for c in client.chats.search(inbox="archive").items}
    client.chats.archive(chat_id, archived=False)
    assert not client.chats.retrieve(chat_id).is_archived

    when = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    client.chats.reminders.create(chat_id, reminder={"remind_at": when, "dismiss_on_incoming_message": True})
    reminder = client.chats.retrieve(chat_id).reminder
    assert reminder and reminder.remind_at == when and reminder.dismiss_on_incoming_message
    client.chats.reminders.delete(chat_id)
    assert client.chats.retrieve(chat_id).reminder is None

    patched = client.chats.update(chat_id, is_pinned=True, is_muted=True, title="Book club", draft={"text": "**soon**"})
    assert patched.is_pinned and patched.is_muted and patched.title == "Book club"
    assert patched.draft and patched.draft.text == "<strong>soon</strong>"
    with pytest.raises(BadRequestError) as refused:
        client.chats.update(chat_id, draft={"text": "another"})
    assert refused.value.body["details"]["issues"][0]["path"] == ["body", "draft"]  # type: ignore[index]
    assert client.chats.update(chat_id, draft=None).draft is None
    assert places(client) == before


def test_create_and_start_a_chat(fake: FakeBeeper, client: BeeperDesktop) -> None:
    account = client.accounts.list()[0].account_id
    created = client.chats.create(account_id=account, participant_ids=["@ada:example.org"], type="single",
                                  message_text="hello")
    assert created.status == "created" and created.chat_id == created.id and created.type == "single"
    assert places(client)[0] == created.id  # a new chat, with its first message, at the top
    assert [m["text"] for m in fake.sent_messages(created.id)] == ["hello"]

    again = client.chats.start(account_id=account, user={"id": "@ada:example.org"})
    assert again.status == "existing" and again.id == created.id
    group = client.chats.create(account_id=account, participant_ids=["@a:x", "@b:x"], type="group", title="Trip")
    assert group.status == "created" and group.title == "Trip" and group.participants.total == 3

    with pytest.raises(BadRequestError):
        client.chats.create(account_id=account, participant_ids=["@a:x", "@b:x"], type="single")
    with pytest.raises(BadRequestError):
        client.chats.create(account_id="no-such-account", participant_ids=["@a:x"], type="single")
    with pytest.raises(NotFoundError):
        client.chats.start(account_id=account, user={"username": "nobody-has-this-name"})


def test_start_finds_a_user_by_what_the_account_knows(client: BeeperDesktop) -> None:
    known = next((chat, person, key) for chat in client.chats.list(limit=200).items if chat.type == "single"
                 for person in chat.participants.items if not person.is_self
                 for key in ("username", "phone_number", "email") if getattr(person, key))
    chat, person, key = known
    started = client.chats.start(account_id=chat.account_id, user={key: getattr(person, key)})  # type: ignore[misc]
    assert started.status == "existing" and person.id in {p.id for p in started.participants.items}


def test_notify_anyway_is_for_imessage() -> None:
    fake = FakeBeeper()  # the default data has iMessage chats
    client = strict_sdk(fake)
    chats = client.chats.list(limit=200).items
    imessage = next(c for c in chats if c.network == "iMessage")
    assert client.chats.notify_anyway(imessage.id).id == imessage.id
    with pytest.raises(BadRequestError):
        client.chats.notify_anyway(next(c for c in chats if c.network != "iMessage").id)


def test_the_older_profiles_answer_as_they_did() -> None:
    """4.1 had create (answering ``{chatID}``), archive and reminders; 4.2 added ``status`` and
    ``mode``; read, unread, PATCH, notify-anyway and start came with 5.0."""
    for profile, keys in (("4.1", {"chatID"}), ("4.2", {"chatID", "status"})):
        with FakeBeeper(load_chats(seed=6, count=20), profile=profile) as fake, fake.http_client() as http:
            account = http.get("/v1/accounts").json()[0]["accountID"]
            created = http.post("/v1/chats", json={"accountID": account, "participantIDs": ["@z:x"], "type": "single"})
            assert created.status_code == 200 and set(created.json()) == keys, created.text
            chat_id = created.json()["chatID"]
            assert http.post(f"/v1/chats/{chat_id}/archive", json={}).status_code == 204
            assert http.post(f"/v1/chats/{chat_id}/read", json={}).status_code == 404
            assert http.patch(f"/v1/chats/{chat_id}", json={"isPinned": True}).status_code == 405
    with FakeBeeper(load_chats(seed=6, count=20), profile="4.2") as fake, fake.http_client() as http:
        account = http.get("/v1/accounts").json()[0]["accountID"]
        started = http.post("/v1/chats", json={"accountID": account, "mode": "start", "user": {"id": "@z:x"}})
        assert started.status_code == 200 and started.json()["status"] == "created", started.text


def test_bad_input_names_the_field(fake: FakeBeeper) -> None:
    chat_id = fake.ordered_ids()[3]
    with fake.http_client() as http:
        cases = [
            (http.post(f"/v1/chats/{chat_id}/archive", json={"archived": "yes"}), ["body", "archived"]),
            (http.post(f"/v1/chats/{chat_id}/reminders", json={"reminder": {}}), ["body", "reminder", "remindAt"]),
            (http.post(f"/v1/chats/{chat_id}/reminders", json={"reminder": {"remindAt": "soon"}}),
             ["body", "reminder", "remindAt"]),
            (http.post(f"/v1/chats/{chat_id}/read", json={"messageID": "nope"}), ["body", "messageID"]),
            (http.patch(f"/v1/chats/{chat_id}", json={"messageExpirySeconds": -1}), ["body", "messageExpirySeconds"]),
            (http.post("/v1/chats", json={"accountID": "a", "type": "trio", "participantIDs": ["@a:x"]}),
             ["body", "type"]),
            (http.post("/v1/chats/start", json={"accountID": "a"}), ["body", "user"]),
        ]
    for response, field in cases:
        assert response.status_code == 400, response.text
        assert field in [issue["path"] for issue in response.json()["details"]["issues"]], response.text
