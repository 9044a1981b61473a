"""The store's pages equal a simple model's, on random data full of ties (Hypothesis).

The model is the obvious O(n) definition: sort everything, filter, slice around the cursor.
The store must agree on every page while doing O(log n + limit) work.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from fake_beeper.data.loaded import LoadedChat
from fake_beeper.world import cursors
from fake_beeper.world.cursors import NO_ACTIVITY, Position
from fake_beeper.world.store import ChatStore

ACCOUNTS = ["acc-a", "acc-b", "acc-c", "acc-d"]
# Few distinct instants, so ties are the rule rather than the exception.
MILLIS = st.one_of(st.none(), st.sampled_from([0, 1, 1_700_000_000_000, 1_700_000_000_001, 1_778_011_914_000]),
                   st.integers(-62_135_596_800_000, 253_402_300_799_999))


@dataclass(frozen=True)
class Chat:
    id: str
    account: str
    millis: int | None

    @property
    def key(self) -> tuple[int, str]:
        return (-(self.millis if self.millis is not None else NO_ACTIVITY), self.id)


chat_lists = st.lists(
    st.builds(Chat, id=st.text(min_size=1, max_size=6).filter(str.isprintable), account=st.sampled_from(ACCOUNTS),
              millis=MILLIS),
    max_size=60, unique_by=lambda c: c.id,
)
account_filters = st.one_of(st.none(), st.lists(st.sampled_from([*ACCOUNTS, "acc-unknown"]), min_size=1, max_size=3))
limits = st.integers(1, 12)


def store_of(chats: list[Chat]) -> ChatStore:
    return ChatStore(LoadedChat(c.id, c.account, c.millis, orjson.dumps({"id": c.id})) for c in chats)


def ids(bodies: list[bytes]) -> list[str]:
    return [orjson.loads(b)["id"] for b in bodies]


def model_order(chats: list[Chat], account_ids: list[str] | None) -> list[Chat]:
    ordered = sorted(chats, key=lambda c: c.key)
    return [c for c in ordered if account_ids is None or c.account in account_ids]


def position_key(position: Position) -> tuple[int, str | None]:
    return (-position.millis, position.chat_id)


def is_older(chat: Chat, position: Position) -> bool:
    if position.chat_id is None:
        return chat.key[0] > -position.millis
    return chat.key > position_key(position)


def is_newer(chat: Chat, position: Position) -> bool:
    if position.chat_id is None:
        return chat.key[0] < -position.millis
    return chat.key < position_key(position)


@st.composite
def positions(draw: st.DrawFn, chats: list[Chat]) -> Position:
    """A cursor position: one a page could have issued, a plain millis one, or an arbitrary one."""
    kinds = ["plain", "arbitrary"] + (["issued"] if chats else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "issued":
        chat = draw(st.sampled_from(chats))
        return cursors.decode(cursors.encode(-chat.key[0], chat.id))
    millis = draw(MILLIS.filter(lambda m: m is not None) | st.just(NO_ACTIVITY))
    if kind == "plain":
        return Position(millis)
    return Position(millis, draw(st.text(min_size=1, max_size=6).filter(str.isprintable)))


@settings(max_examples=400, deadline=None)
@given(data=st.data(), chats=chat_lists, account_ids=account_filters, limit=limits,
       direction=st.sampled_from(["before", "after"]))
def test_every_page_matches_the_model(data: st.DataObject, chats: list[Chat], account_ids: list[str] | None,
                                      limit: int, direction: str) -> None:
    store = store_of(chats)
    ordered = model_order(chats, account_ids)
    position = data.draw(st.none() | positions(chats), label="cursor")
    page = store.page(cursor=position, direction=direction, limit=limit, account_ids=account_ids)

    if position is None:
        expected = ordered[:limit]
        has_more = direction == "before" and len(ordered) > limit
    elif direction == "before":
        older = [c for c in ordered if is_older(c, position)]
        expected, has_more = older[:limit], len(older) > limit
    else:
        newer = [c for c in ordered if is_newer(c, position)]
        expected, has_more = newer[-limit:], len(newer) > limit

    assert ids(page.bodies) == [c.id for c in expected]
    assert page.has_more is has_more
    if expected:
        assert cursors.decode(page.oldest_cursor) == Position(-expected[-1].key[0], expected[-1].id)
        assert cursors.decode(page.newest_cursor) == Position(-expected[0].key[0], expected[0].id)
    else:
        assert page.oldest_cursor is None and page.newest_cursor is None


@settings(max_examples=300, deadline=None)
@given(chats=chat_lists, account_ids=account_filters, limit=limits)
def test_an_sdk_style_walk_yields_every_chat_once_in_order_and_stops(
        chats: list[Chat], account_ids: list[str] | None, limit: int) -> None:
    """What the SDKs' auto-pagination does: resend the query with cursor=oldestCursor until hasMore is false."""
    store = store_of(chats)
    walked: list[str] = []
    cursor = None
    for _ in range(len(chats) + 2):  # a walk that does not end fails the test instead of hanging it
        page = store.page(cursor=cursor, limit=limit, account_ids=account_ids)
        walked += ids(page.bodies)
        if not page.has_more:
            break
        assert page.oldest_cursor is not None
        cursor = cursors.decode(page.oldest_cursor)
    else:
        raise AssertionError("the walk did not stop")
    assert walked == [c.id for c in model_order(chats, account_ids)]


@settings(max_examples=300, deadline=None)
@given(chats=chat_lists.filter(bool), account_ids=account_filters, limit=limits)
def test_an_after_walk_from_the_oldest_chat_climbs_back_to_the_newest(
        chats: list[Chat], account_ids: list[str] | None, limit: int) -> None:
    ordered = model_order(chats, account_ids)
    if not ordered:
        return
    store = store_of(chats)
    oldest = ordered[-1]
    cursor = Position(-oldest.key[0], oldest.id)
    pages: list[list[str]] = []
    for _ in range(len(chats) + 2):
        page = store.page(cursor=cursor, direction="after", limit=limit, account_ids=account_ids)
        pages.append(ids(page.bodies))
        if not page.has_more:
            break
        cursor = cursors.decode(page.newest_cursor)
    else:
        raise AssertionError("the walk did not stop")
    climbed = [chat_id for page_ids in reversed(pages) for chat_id in page_ids]
    assert climbed == [c.id for c in ordered[:-1]]


@given(chats=chat_lists, limit=limits)
def test_filtering_by_every_account_equals_no_filter(chats: list[Chat], limit: int) -> None:
    store = store_of(chats)
    everything = store.page(limit=limit)
    filtered = store.page(limit=limit, account_ids=ACCOUNTS)
    assert filtered == everything
