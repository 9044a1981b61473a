"""``GET /v1/messages/search``: every result keeps every filter, no message that keeps them is
missed, and the walk is newest first; checked against a brute-force reading of docs/messages.md's rules
over every message of a small world."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from beeper_desktop_api import BeeperDesktop
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fake_beeper import FakeBeeper
from fake_beeper.contract.spec import MESSAGE_PAGE_SCHEMA
from fake_beeper.timestamps import to_millis

WORLD = FakeBeeper.generated(seed=11, count=24)
CHATS = [chat for chat in (WORLD.store.get(i) for i in WORLD.ordered_ids()) if chat is not None]


def every_message() -> list[tuple[tuple[int, str, int], dict[str, Any], dict[str, Any]]]:
    """(order key, message, chat) of every message of the world, in the search's order."""
    found = []
    for loaded in CHATS:
        chat = dict(loaded)  # once a chat: each key of a loaded chat is decoded as it is read
        messages = WORLD.messages(chat["id"])
        for back, message in enumerate(messages):
            position = len(messages) - 1 - back
            found.append(((-to_millis(message["timestamp"]), chat["id"], -position), message, chat))
    return sorted(found, key=lambda entry: entry[0])


ALL = every_message()


def words(text: str) -> set[str]:
    return set(re.findall(r"\w+", re.sub(r"<[^>]*>", " ", text).casefold()))


def media(message: dict[str, Any]) -> set[str]:
    kinds = {"img": "image", "video": "video", "audio": "file", "unknown": "file"}
    found = {kinds[a["type"]] for a in message.get("attachments") or ()}
    found |= {"link"} if message.get("links") else set()
    return found | {"any"} if found else found


def kept(message: dict[str, Any], chat: dict[str, Any], query: dict[str, Any]) -> bool:
    """docs/messages.md's rules, read plainly."""
    if message.get("isDeleted") or message.get("isHidden"):
        return False
    if "accountIDs" in query and chat["accountID"] not in query["accountIDs"]:
        return False
    if "chatIDs" in query and chat["id"] not in query["chatIDs"] and chat.get("localChatID") not in query["chatIDs"]:
        return False
    if "chatType" in query and chat["type"] != query["chatType"]:
        return False
    if query.get("excludeLowPriority", True) and chat.get("isLowPriority"):
        return False
    if not query.get("includeMuted", True) and chat.get("isMuted"):
        return False
    millis = to_millis(message["timestamp"])
    if "dateAfter" in query and not millis > to_millis(query["dateAfter"]):
        return False
    if "dateBefore" in query and not millis < to_millis(query["dateBefore"]):
        return False
    own = {p["id"] for p in chat["participants"]["items"] if p.get("isSelf")}
    mine = bool(message.get("isSender")) or message["senderID"] in own
    sender = query.get("sender")
    if (sender == "me" and not mine) or (sender == "others" and mine) or \
            (sender not in (None, "me", "others") and message["senderID"] != sender):
        return False
    if "mediaTypes" in query and not set(query["mediaTypes"]) & media(message):
        return False
    return words(query.get("query", "")) <= words(message.get("text") or "")


def as_params(query: dict[str, Any]) -> dict[str, Any]:
    return {key: (str(value).lower() if isinstance(value, bool) else value) for key, value in query.items()}


def search_walk(query: dict[str, Any], limit: int) -> Iterator[dict[str, Any]]:
    cursor = None
    with WORLD.http_client() as http:
        for _ in range(2_000):
            params = {**as_params(query), "limit": limit, **({"cursor": cursor} if cursor else {})}
            answer = http.get("/v1/messages/search", params=params,
                              headers={"Authorization": f"Bearer {WORLD.token}"})
            assert answer.status_code == 200, answer.text
            page = answer.json()
            yield from page["items"]
            if not page["hasMore"]:
                assert page["oldestCursor"] is None
                return
            cursor = page["oldestCursor"]
    raise AssertionError("the walk did not end")


def expected(query: dict[str, Any]) -> list[str]:
    return [f"{chat['id']} {message['id']}" for _, message, chat in ALL if kept(message, chat, query)]


def walked(query: dict[str, Any], limit: int = 50) -> list[str]:
    return [f"{message['chatID']} {message['id']}" for message in search_walk(query, limit)]


def instants() -> st.SearchStrategy[str]:
    return st.sampled_from(ALL).map(lambda entry: entry[1]["timestamp"])


ACCOUNTS = sorted({chat["accountID"] for chat in CHATS})
SENDERS = sorted({message["senderID"] for _, message, _ in ALL})
WORDS = sorted({word for _, message, _ in ALL[:400] for word in words(message.get("text") or "")})
USES = Counter(word for _, m, _ in ALL for word in words(m.get("text") or ""))
COMMON = max(WORDS, key=USES.__getitem__)
SPARSE = next(word for word in WORDS if len(ALL) / 300 < USES[word] < len(ALL) / 60)  # one in 60 to 300


@st.composite
def queries(draw: st.DrawFn) -> dict[str, Any]:
    query: dict[str, Any] = {}
    if draw(st.booleans()):
        query["accountIDs"] = draw(st.lists(st.sampled_from(ACCOUNTS), min_size=1, max_size=3, unique=True))
    if draw(st.integers(0, 4)) == 0:
        query["chatIDs"] = draw(st.lists(st.sampled_from([c["id"] for c in CHATS] + [c["localChatID"] for c in CHATS
                                                          if c.get("localChatID")]), min_size=1, max_size=4))
    for name, values in (("chatType", ["group", "single"]), ("sender", ["me", "others", *SENDERS[:6]]),
                         ("excludeLowPriority", [False, True]), ("includeMuted", [False, True])):
        if draw(st.booleans()):
            query[name] = draw(st.sampled_from(values))
    if draw(st.booleans()):
        query["mediaTypes"] = draw(st.lists(st.sampled_from(["any", "video", "image", "link", "file"]), min_size=1,
                                            max_size=2, unique=True))
    if draw(st.booleans()):
        query["query"] = " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=2)))
    for bound in ("dateAfter", "dateBefore"):
        if draw(st.integers(0, 2)) == 0:
            query[bound] = draw(instants())
    return query


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=queries())
def test_a_search_walk_finds_exactly_the_messages_that_keep_every_filter(query: dict[str, Any]) -> None:
    assert walked(query) == expected(query)


@pytest.mark.parametrize("query", [
    {"sender": "me"}, {"sender": "others"}, {"sender": SENDERS[0]}, {"chatType": "group"}, {"chatType": "single"},
    {"mediaTypes": ["any"]}, {"mediaTypes": ["image"]}, {"mediaTypes": ["video", "file"]}, {"mediaTypes": ["link"]},
    {"query": COMMON}, {"query": COMMON.upper()}, {"accountIDs": [CHATS[0]["accountID"]]}, {"includeMuted": False},
    {"excludeLowPriority": False}, {"chatIDs": [CHATS[0]["id"], CHATS[3].get("localChatID") or CHATS[3]["id"]]},
    {"dateAfter": ALL[300][1]["timestamp"]}, {"dateBefore": ALL[300][1]["timestamp"]},
], ids=repr)
def test_each_filter_alone_keeps_exactly_its_messages(query: dict[str, Any]) -> None:
    wanted = expected(query)
    assert wanted and wanted != expected({})  # it filters something
    assert walked(query, 200) == wanted


@pytest.mark.parametrize("limit", [1, 7, 20, 500])
def test_every_limit_walks_the_same_results_newest_first(limit: int) -> None:
    query = {"query": COMMON} if limit < 20 else {"mediaTypes": ["image"]}
    assert walked(query, limit) == expected(query)
    assert len(expected(query)) > limit or limit == 500


def test_the_defaults_leave_out_low_priority_chats_and_keep_muted_ones() -> None:
    assert any(chat.get("isLowPriority") for chat in CHATS) and any(chat.get("isMuted") for chat in CHATS)
    everything = walked({"excludeLowPriority": False}, 500)
    default = walked({}, 500)
    low = {chat["id"] for chat in CHATS if chat.get("isLowPriority")}
    assert default == [hit for hit in everything if hit.split(" ")[0] not in low] != everything
    assert set(walked({"includeMuted": False}, 500)) < set(default)


def test_the_date_bounds_are_exclusive() -> None:
    _, message, _ = ALL[100]
    at = message["timestamp"]
    before = walked({"dateBefore": at}, 500)
    after = walked({"dateAfter": at}, 500)
    hit = f"{message['chatID']} {message['id']}"
    assert hit not in before and hit not in after
    offset = datetime.fromisoformat(at).astimezone(UTC).isoformat()  # the same instant, another spelling
    assert walked({"dateBefore": offset}, 500) == before


def test_after_a_cursor_come_the_newer_results_adjacent_to_it() -> None:
    with WORLD.http_client() as http:
        auth = {"Authorization": f"Bearer {WORLD.token}"}
        first = http.get("/v1/messages/search", params={"limit": 10}, headers=auth).json()
        second = http.get("/v1/messages/search", params={"limit": 10, "cursor": first["oldestCursor"]},
                          headers=auth).json()
        back = http.get("/v1/messages/search", params={"limit": 4, "cursor": second["newestCursor"],
                                                        "direction": "after"}, headers=auth).json()
    assert [m["id"] for m in back["items"]] == [m["id"] for m in first["items"][-4:]]
    assert back["hasMore"] is True


def test_pages_are_valid_and_the_python_sdk_walks_them() -> None:
    validator = WORLD.stage.validator(MESSAGE_PAGE_SCHEMA)
    with WORLD.http_client() as http:
        page = http.get("/v1/messages/search", params={"limit": 30},
                        headers={"Authorization": f"Bearer {WORLD.token}"}).json()
    assert [error.message for error in validator.iter_errors(page)] == []
    sdk = BeeperDesktop(base_url=WORLD.base_url, access_token=WORLD.token, http_client=WORLD.http_client(),
                        _strict_response_validation=True, max_retries=0)
    query = {"chat_type": "group", "media_types": ["any"], "exclude_low_priority": False}
    found = [f"{m.chat_id} {m.id}" for m in sdk.messages.search(**query)]  # type: ignore[arg-type]
    assert found == expected({"chatType": "group", "mediaTypes": ["any"], "excludeLowPriority": False})
    assert found


@pytest.mark.parametrize(("params", "field"), [
    ({"limit": 0}, "limit"), ({"limit": 501}, "limit"), ({"chatType": "channel"}, "chatType"),
    ({"mediaTypes": "gif"}, "mediaTypes"), ({"dateAfter": "yesterday"}, "dateAfter"),
    ({"includeMuted": "maybe"}, "includeMuted"), ({"cursor": "not-a-cursor"}, "cursor"),
])
def test_a_bad_parameter_is_a_400_naming_it(params: dict[str, Any], field: str) -> None:
    with WORLD.http_client() as http:
        answer = http.get("/v1/messages/search", params=params, headers={"Authorization": f"Bearer {WORLD.token}"})
    assert answer.status_code == 400
    assert answer.json()["details"]["issues"][0]["path"][:2] == ["query", field]


def test_empty_values_the_js_sdk_sends_for_null_are_absent() -> None:
    with WORLD.http_client() as http:
        auth = {"Authorization": f"Bearer {WORLD.token}"}
        plain = http.get("/v1/messages/search", params={"limit": 15}, headers=auth)
        nulls = http.get("/v1/messages/search", params={"limit": 15, "includeMuted": "", "excludeLowPriority": "",
                                                         "sender": "", "chatType": "", "dateAfter": ""}, headers=auth)
    assert plain.status_code == nulls.status_code == 200 and plain.json() == nulls.json()


def test_a_search_sees_a_message_that_arrived() -> None:
    fake = FakeBeeper.generated(seed=11, count=24)
    chat_id = fake.ordered_ids()[-1]
    fake.activity.message(chat_id, text="zanzibar quokka")
    with fake.http_client() as http:
        page = http.get("/v1/messages/search", params={"query": "Quokka"},
                        headers={"Authorization": f"Bearer {fake.token}"}).json()
    assert [(m["chatID"], m["text"]) for m in page["items"]] == [(chat_id, "zanzibar quokka")]
    assert to_millis(page["items"][0]["timestamp"]) >= max(to_millis(e[1]["timestamp"]) for e in ALL)


def test_a_page_reads_a_bounded_number_of_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ``SEARCH_READS`` messages read, a page ends early with what it found (the walk goes
    on from there), or, having found nothing, is a 400 naming the search as too broad."""
    from fake_beeper.world import messages

    sparse = {"query": SPARSE}
    read = [entry for entry in ALL if not entry[2].get("isLowPriority")]  # what the search reads, in order
    hits = [at for at, (_, message, chat) in enumerate(read) if kept(message, chat, sparse)]
    widest = max(later - earlier for earlier, later in zip([-1, *hits], hits, strict=False))
    monkeypatch.setattr(messages, "SEARCH_READS", widest + 1)  # every page finds one, few find 20
    pages = []
    cursor = None
    with WORLD.http_client() as http:
        auth = {"Authorization": f"Bearer {WORLD.token}"}
        while True:
            page = http.get("/v1/messages/search", params={**sparse, "limit": 20, **({"cursor": cursor} if cursor
                                                                                      else {})}, headers=auth).json()
            pages.append(page)
            if not page["hasMore"]:
                break
            cursor = page["oldestCursor"]
        answer = http.get("/v1/messages/search", params={"query": "zzzqqqx"}, headers=auth)
    assert [f"{m['chatID']} {m['id']}" for page in pages for m in page["items"]] == expected(sparse)
    assert any(0 < len(page["items"]) < 20 and page["hasMore"] for page in pages)  # ended early, went on
    assert answer.status_code == 400
    assert answer.json()["details"]["issues"][0]["path"] == ["query"]


def test_every_word_of_a_long_query_must_match_and_repeats_count_once() -> None:
    many = " ".join([COMMON, *(f"w{number:05d}" for number in range(3_000))])  # 26 KB: within a request head
    assert walked({"query": many}, 500) == []
    assert walked({"query": " ".join([COMMON] * 3_000)}, 500) == walked({"query": COMMON}, 500) == expected(
        {"query": COMMON})
