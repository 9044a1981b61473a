"""The server lays a world's chats out in list order before it serves them (``data/layout.py``):
the same chats, copied in the order pages read them."""

from __future__ import annotations

import random

import pytest

from fake_beeper.data import generate_chats, layout
from fake_beeper.data.layout import in_list_order
from fake_beeper.data.loaded import LoadedChat, list_order, to_loaded


def _shuffled(count: int) -> list[LoadedChat]:
    chats = [to_loaded(chat) for chat in generate_chats(3, count)]
    random.Random(1).shuffle(chats)
    return chats


def test_the_chats_come_back_in_list_order_as_copies_of_themselves() -> None:
    chats = _shuffled(60)
    laid_out = in_list_order(chats)
    assert [chat.id for chat in laid_out] == [chat.id for chat in sorted(chats, key=list_order)]
    as_read = {chat.id: chat for chat in chats}
    for chat in laid_out:
        before = as_read[chat.id]
        assert (chat.id, chat.account_id, chat.last_activity, chat.body) == \
            (before.id, before.account_id, before.last_activity, before.body)
        assert chat.body is not before.body and chat.id is not before.id  # copies, made in this order


def test_chats_in_list_order_already_are_left_as_they_are() -> None:
    chats = sorted(_shuffled(20), key=list_order)
    assert in_list_order(chats) is chats


def test_a_world_over_the_bound_keeps_the_order_it_came_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(layout, "LAID_OUT_MAX", 10)
    chats = _shuffled(11)
    assert in_list_order(chats) is chats
    assert in_list_order(chats[:10]) is not chats[:10]
