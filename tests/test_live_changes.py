"""Live changes while clients page, and the guarantees a walker gets (keyset cursors).

A ``before`` walk never yields a chat twice and never skips a chat that did not move. A chat that
moved (a new message) or appeared during the walk is found by polling newer chats from the walk's
first ``newestCursor`` (how, depends on the ``after`` behaviour: see ``poll_newer``). Once changes
stop, a fresh walk is exactly the store. Each holds under every behaviour choice that changes pages.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fake_beeper import FakeBeeper
from fake_beeper.contract import spec
from fake_beeper.data import LoadedChat, load_chats


@pytest.fixture(scope="module")
def chats() -> list[LoadedChat]:
    return load_chats(seed=4, count=80, accounts=3)


def page(http: httpx.Client, **params: Any) -> dict[str, Any]:
    response = http.get("/v1/chats", params={k: v for k, v in params.items() if v is not None})
    assert response.status_code == 200, response.text
    return response.json()


def test_a_message_moves_its_chat_to_the_top_with_a_preview_and_one_more_unread() -> None:
    with FakeBeeper.generated(seed=4, count=50) as fake, fake.http_client() as http:
        target = fake.ordered_ids()[30]
        before = next(c for c in page(http, limit=50)["items"] if c["id"] == target)

        fake.activity.message(target, text="are you coming tonight?")

        top = page(http, limit=1)["items"][0]
        assert top["id"] == target
        assert top["preview"]["text"] == "are you coming tonight?" and top["preview"]["isUnread"] is True
        assert top["unreadCount"] == before["unreadCount"] + 1
        assert top["lastActivity"] > page(http, limit=2)["items"][1]["lastActivity"]
        assert spec.validator("ChatListResponse").is_valid(top)


def test_new_archived_and_removed_chats() -> None:
    with FakeBeeper.generated(seed=4, count=20) as fake, fake.http_client() as http:
        new = fake.activity.new_chat()
        archived = fake.activity.archive(fake.ordered_ids()[5])
        removed = fake.activity.remove(fake.ordered_ids()[7])

        chats = {c["id"]: c for c in page(http, limit=200)["items"]}
        assert page(http, limit=1)["items"][0]["id"] == new and len(chats) == 20
        assert chats[archived]["isArchived"] is True
        assert removed not in chats
        with pytest.raises(KeyError):
            fake.activity.message(removed)


def test_random_changes_replay_for_the_same_seed() -> None:
    def changes() -> list[tuple[str, str]]:
        with FakeBeeper.generated(seed=4, count=30) as fake:
            fake.scenario(seed=5)
            return [fake.activity.random_event({"message": 5, "newChat": 1, "archive": 1, "remove": 1})
                    for _ in range(15)]

    first = changes()
    assert first == changes()
    assert {event for event, _ in first} >= {"message", "newChat"}


def test_a_scenario_makes_a_change_every_n_pages() -> None:
    with FakeBeeper.generated(seed=4, count=30) as fake, fake.http_client() as http:
        fake.scenario(seed=1, activity={"every": 2, "events": {"message": 1}})
        tops = [page(http, limit=1)["items"][0]["id"] for _ in range(6)]
        # a change after pages 2, 4 and 6: the top moves at most then, and it does move
        assert tops[0] == tops[1] and tops[2] == tops[3] and tops[4] == tops[5]
        assert len(set(tops)) > 1


def poll_newer(http: httpx.Client, first: dict[str, Any], limit: int, after: str) -> set[str]:
    """The chats newer than a walk's first page, polled as a client must under each ``after`` choice.

    ``adjacent``: ``after`` pages from the first ``newestCursor``, each from the last one's, while
    ``hasMore``. ``newest``: one ``after`` page (the newest chats); while ``hasMore``, ``before``
    pages from its ``oldestCursor`` down to the walk's first chat.
    """
    found: set[str] = set()
    newer = first["newestCursor"]
    if after == "adjacent":
        while newer:
            up = page(http, limit=limit, cursor=newer, direction="after")
            found |= {c["id"] for c in up["items"]}
            newer = up["newestCursor"] if up["hasMore"] else None
        return found
    up = page(http, limit=limit, cursor=newer, direction="after")
    found |= {c["id"] for c in up["items"]}
    top = first["items"][0]["lastActivity"]
    down = up["oldestCursor"] if up["hasMore"] else None
    while down:
        older = page(http, limit=limit, cursor=down)
        fresh = [c for c in older["items"] if c.get("lastActivity") and c["lastActivity"] >= top]
        found |= {c["id"] for c in fresh}
        down = older["oldestCursor"] if older["hasMore"] and len(fresh) == len(older["items"]) else None
    return found


def _any_member_left(fake: FakeBeeper, chat_id: str) -> bool:
    """Whether a send to ``chat_id`` has a chat to go to: a merged chat needs a member still in the
    world (a live change may have removed them all)."""
    chat = fake.store.get(chat_id)
    merge = orjson.loads(chat.body).get("merge") if chat is not None else None
    return not merge or any(fake.store.get(member) is not None for member in merge["chatIDs"])


@pytest.mark.parametrize("behaviour", [{}, {"after": "newest"}, {"undated": "omitted"},
                                       {"after": "newest", "undated": "omitted"}, {"limit": "ignored"}], ids=repr)
@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), limit=st.integers(1, 15))
def test_a_walk_during_changes_keeps_its_guarantees(chats: list[LoadedChat], behaviour: dict[str, str],
                                                    data: st.DataObject, limit: int) -> None:
    with FakeBeeper(chats, behaviour=behaviour) as fake, fake.http_client() as http:  # fresh for every example
        at_start = set(fake.ordered_ids())
        moved: set[str] = set()
        first = page(http, limit=limit)
        walked = [c["id"] for c in first["items"]]
        cursor, more = first["oldestCursor"], first["hasMore"]
        while more:
            for _ in range(data.draw(st.integers(0, 3), label="changes before the next page")):
                event = data.draw(st.sampled_from(["message", "newChat", "archive", "remove", "send", "react",
                                                   "read", "create"]), label="event")
                ids = fake.ordered_ids()
                chat_id = ids[data.draw(st.integers(0, 10**6), label="chat") % len(ids)]
                newest = http.get(f"/v1/chats/{chat_id}/messages").json()["items"][:1] if event == "react" else []
                if event == "message":
                    moved.add(fake.activity.message(chat_id))
                elif event == "send":  # the client's own message: its chat (a merged chat's member) moves
                    sent = http.post(f"/v1/chats/{chat_id}/messages", json={"text": "on it"})
                    if sent.status_code == 400 and not _any_member_left(fake, chat_id):
                        continue  # a merged chat whose members were all removed: refused, nothing moves
                    assert sent.status_code == 200, sent.text
                    moved.add(sent.json()["chatID"])
                elif event == "read":  # the chat's read state changes, not its place
                    assert http.post(f"/v1/chats/{chat_id}/read", json={}).status_code == 200
                elif event == "create":  # a new chat, with someone new: at the top
                    account = http.get("/v1/accounts").json()[0]["accountID"]
                    created = http.post("/v1/chats", json={"accountID": account, "type": "single",
                                                           "participantIDs": [f"@new{len(moved)}:example.org"]})
                    assert created.status_code == 200, created.text
                    moved.add(created.json()["id"])
                elif event == "react":  # on the newest message: the chat's preview changes, not its place
                    for message in (m for m in newest if not m.get("isDeleted")):  # a deleted one takes none
                        reacted = http.post(f"/v1/chats/{chat_id}/messages/{message['id']}/reactions",
                                            json={"reactionKey": "👍"})
                        assert reacted.status_code == 200, reacted.text
                elif event == "newChat":
                    moved.add(fake.activity.new_chat())
                elif event == "archive":
                    fake.activity.archive(chat_id)  # same position: neither moved nor lost
                else:
                    moved.add(fake.activity.remove(chat_id))
            next_page = page(http, limit=limit, cursor=cursor)
            walked += [c["id"] for c in next_page["items"]]
            cursor, more = next_page["oldestCursor"], next_page["hasMore"]

        assert len(walked) == len(set(walked)), "a chat came twice"
        unmoved = at_start - moved
        assert unmoved <= set(walked), f"skipped chats that did not move: {sorted(unmoved - set(walked))[:3]}"
        found = poll_newer(http, first, limit, fake.behaviour.after)  # upwards from where the walk began
        still_there = moved & set(fake.ordered_ids())
        assert still_there <= found | set(walked), "a moved chat was neither walked nor found by an after poll"
        assert [c["id"] for c in page(http, limit=200)["items"][:limit]] == fake.ordered_ids()[:limit]


def test_pages_stay_whole_while_another_thread_changes_chats() -> None:
    with FakeBeeper.generated(seed=4, count=300) as fake:
        fake.start()
        stop = threading.Event()
        problems: list[str] = []

        def change() -> None:
            while not stop.is_set():
                fake.activity.random_event({"message": 6, "newChat": 1, "archive": 1, "remove": 1})

        def read() -> None:
            with httpx.Client(base_url=fake.base_url, headers={"Authorization": f"Bearer {fake.token}"}) as http:
                for _ in range(60):
                    items = page(http, limit=50)["items"]
                    ids = [c["id"] for c in items]
                    stamps = [c.get("lastActivity", "") for c in items]
                    if len(set(ids)) != len(ids) or stamps != sorted(stamps, reverse=True):
                        problems.append(f"a torn page: {ids[:5]}")

        changer = threading.Thread(target=change)
        readers = [threading.Thread(target=read) for _ in range(4)]
        changer.start()
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join()
        stop.set()
        changer.join()
        assert problems == []
        assert len(fake.ordered_ids()) == len(set(fake.ordered_ids()))
