"""Search walks equal a simple model's, on random chats and random filters (Hypothesis).

The model is docs/behaviour.md's table read literally, one plain predicate per filter over the chat's
JSON, then the list's order. The fake must agree on every walk, at any limit and under each
behaviour choice, while it answers from its indexes.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fake_beeper import FakeBeeper
from fake_beeper.data.build import chat

ACCOUNTS = ["acc-a", "acc-b", "acc-c"]
INSTANTS = ["2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.001Z", "2026-03-05T12:00:00.000Z",
            "2026-11-30T23:59:59.999Z"]
NAMES = ["Alice Smith", "ali", "Natalie Ali", "Bob O'Neil", "Ünal Çelik", "team dinner", "Dinner team",
         "ALIGN", "Família"]
WORDS = ["ali", "ALI", "dinner", "team", "neil", "ünal", "al", "smith", "lie", "zzz", "fam"]
LABELS = ["lbl_1", "lbl_2"]


# The strategies a world is drawn from, built once (building them again for every chat of every
# example cost more than the searches they test).
PEOPLE = st.lists(st.sampled_from(NAMES), max_size=3)
CHAT_LABELS = st.lists(st.sampled_from(LABELS), unique=True, max_size=2)
LAST_ACTIVITY = st.none() | st.sampled_from(INSTANTS)
ACCOUNT = st.sampled_from(ACCOUNTS)
NETWORK = st.sampled_from(["Signal", "Teams"])
TITLE = st.sampled_from(NAMES)
CHAT_TYPE = st.sampled_from(["single", "group"])
UNREAD = st.sampled_from([0, 0, 2])


@st.composite
def chats(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(0, 25))
    built = []
    for n in range(count):
        people = draw(PEOPLE)
        fields: dict[str, Any] = {
            "participants": {"hasMore": False, "total": len(people),
                             "items": [{"id": f"@p{n}_{i}:x", "fullName": name} for i, name in enumerate(people)]},
        }
        for flag in ("isArchived", "isLowPriority", "isMuted", "isMarkedUnread"):
            if draw(st.booleans()):
                fields[flag] = draw(st.booleans())
        labels = draw(CHAT_LABELS)
        if labels:
            fields["labels"] = [{"id": label, "name": label} for label in labels]
        if draw(st.integers(0, 4)) == 0:
            fields["mergedIntoChatID"] = "!merged:x"
        built.append(chat(f"!c{n}:x", last_activity=draw(LAST_ACTIVITY), account_id=draw(ACCOUNT),
                          network=draw(NETWORK), title=draw(TITLE), chat_type=draw(CHAT_TYPE),
                          unread_count=draw(UNREAD), **fields))
    return built


FILTERS = {
    "accountIDs": st.lists(st.sampled_from([*ACCOUNTS, "acc-unknown"]), min_size=1, max_size=2),
    "inbox": st.sampled_from(["primary", "low-priority", "archive"]),
    "includeMuted": st.sampled_from(["true", "false"]),
    "labelID": st.sampled_from([*LABELS, "lbl_none"]),
    "lastActivityAfter": st.sampled_from([*INSTANTS, "2026-01-01T01:00:00+01:00"]),
    "lastActivityBefore": st.sampled_from(INSTANTS),
    "query": st.lists(st.sampled_from(WORDS), max_size=2).map(" ".join),
    "scope": st.sampled_from(["titles", "participants"]),
    "type": st.sampled_from(["single", "group", "any"]),
    "unreadOnly": st.sampled_from(["true", "false"]),
}
# A few filters at a time: with all of them at once, most searches would match nothing.
searches = st.lists(st.sampled_from(sorted(FILTERS)), max_size=3, unique=True).flatmap(
    lambda names: st.fixed_dictionaries({name: FILTERS[name] for name in names}))
behaviours = st.fixed_dictionaries({
    "searchMatch": st.sampled_from(["wordPrefix", "substring"]),
    "searchScope": st.sampled_from(["both", "titles"]),
    "activityBounds": st.sampled_from(["exclusive", "inclusive"]),
    "unreadOnly": st.sampled_from(["unreadOrMarked", "unreadCount"]),
})


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def word_matches(word: str, text: str, how: str) -> bool:
    text, word = text.casefold(), word.casefold()
    if how == "substring":
        return word in text
    return any(token.startswith(word) for token in re.findall(r"\w+", text))


def model_keeps(found: dict[str, Any], search: dict[str, Any], behaviour: dict[str, str]) -> bool:
    archived, low = found.get("isArchived", False), found.get("isLowPriority", False)
    inbox = {"archive": archived, "low-priority": low and not archived,
             "primary": not archived and not low and "mergedIntoChatID" not in found}
    titles = [found["title"], found["network"]]
    names = [person["fullName"] for person in found["participants"]["items"]]
    scope = search.get("scope") or ("titles" if behaviour["searchScope"] == "titles" else "both")
    fields = {"titles": titles, "participants": names, "both": titles + names}[scope]
    last = instant(found["lastActivity"]) if "lastActivity" in found else None
    inclusive = behaviour["activityBounds"] == "inclusive"

    def after(bound: str) -> bool:
        return last is not None and (last >= instant(bound) if inclusive else last > instant(bound))

    def before(bound: str) -> bool:
        return last is not None and (last <= instant(bound) if inclusive else last < instant(bound))

    unread = found["unreadCount"] > 0 or (behaviour["unreadOnly"] == "unreadOrMarked"
                                          and found.get("isMarkedUnread", False))
    checks = [
        "accountIDs" not in search or found["accountID"] in search["accountIDs"],
        search.get("type", "any") in ("any", found["type"]),
        "inbox" not in search or inbox[search["inbox"]],
        search.get("includeMuted") != "false" or not found.get("isMuted", False),
        "labelID" not in search or search["labelID"] in [label["id"] for label in found.get("labels", [])],
        search.get("unreadOnly") != "true" or unread,
        "lastActivityAfter" not in search or after(search["lastActivityAfter"]),
        "lastActivityBefore" not in search or before(search["lastActivityBefore"]),
        all(any(word_matches(word, text, behaviour["searchMatch"]) for text in fields)
            for word in search.get("query", "").split()),
    ]
    return all(checks)


def list_order(found: dict[str, Any]) -> tuple[int, float, str]:
    if "lastActivity" not in found:
        return (1, 0.0, found["id"])
    return (0, -instant(found["lastActivity"]).timestamp(), found["id"])


def walk_search(http: httpx.Client, search: dict[str, Any], limit: int) -> list[str]:
    """The chat IDs of a search, page after page, as the SDKs walk it."""
    found: list[str] = []
    params = {**search, "limit": limit}
    for _ in range(100):
        page = http.get("/v1/chats/search", params=params)
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["items"]) <= limit
        found += [item["id"] for item in body["items"]]
        if not body["hasMore"] or not body["items"] or not body["oldestCursor"]:
            return found
        params = {**search, "limit": limit, "cursor": body["oldestCursor"]}
    raise AssertionError("the search walk did not end in 100 pages")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=chats(), search=searches, behaviour=behaviours, limit=st.integers(1, 6))
def test_a_search_walk_is_every_chat_the_model_keeps_in_list_order(
        world: list[dict[str, Any]], search: dict[str, Any], behaviour: dict[str, str], limit: int) -> None:
    with FakeBeeper(chats=world, behaviour=behaviour) as fake:
        got = walk_search(fake.http_client(), search, limit)
    expected = [found["id"] for found in sorted(world, key=list_order) if model_keeps(found, search, behaviour)]
    assert got == expected
