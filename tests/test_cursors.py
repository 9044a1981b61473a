"""Cursors: the documented forms are accepted; anything the fake could not have issued is a 400."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fake_beeper.errors import ApiError
from fake_beeper.timestamps import LAST_INSTANT
from fake_beeper.world import cursors
from fake_beeper.world.cursors import NO_ACTIVITY, Position


def test_an_issued_cursor_round_trips() -> None:
    chat_id = "!whatsapp_15550101002:ba_EvYDBBsZbRQAy3UOSWqG0LuTVkc.local-whatsapp.localhost"
    assert cursors.decode(cursors.encode(1778011914000, chat_id)) == Position(1778011914000, chat_id)


def test_the_contract_example_is_a_position() -> None:
    assert cursors.decode("1725489123456|c29tZUltc2dQYWdl") == Position(1725489123456, "someImsgPage")


def test_the_older_plain_millis_form_is_accepted() -> None:
    assert cursors.decode("1725489123456") == Position(1725489123456, None)


def test_chats_without_activity_have_a_cursor_too() -> None:
    assert cursors.decode(cursors.encode(NO_ACTIVITY, "!x:y")) == Position(NO_ACTIVITY, "!x:y")


def test_ids_with_any_unicode_survive() -> None:
    chat_id = "!telegram_g123:ba_🎉 ع.local-telegram.localhost"
    assert cursors.decode(cursors.encode(0, chat_id)).chat_id == chat_id


@pytest.mark.parametrize(
    ("cursor", "reason"),
    [
        ("abc", "not of the form"),
        ("", "not of the form"),
        ("12x", "not of the form"),
        ("1725489123456|", "not of the form"),
        ("1725489123456|a|b", "not of the form"),
        ("1725489123456|not base64!", "not of the form"),
        ("1725489123456|A", "not base64"),
        ("999999999999999|YQ", "outside the range"),
        ("-99999999999999|YQ", "outside the range"),
        ("1725489123456|__8", "not issued by this server"),  # bytes ff ff: not UTF-8
        ("1725489123456|AAE", "not issued by this server"),  # control characters
    ],
)
def test_malformed_or_forged_cursors_are_rejected_with_a_reason(cursor: str, reason: str) -> None:
    with pytest.raises(ApiError) as error:
        cursors.decode(cursor)
    assert error.value.status == 400
    [issue] = error.value.issues
    assert issue.path == ("query", "cursor") and reason in issue.message


def _answer(cursor: str) -> Position | str:
    try:
        return cursors.decode(cursor)
    except ApiError as error:
        return error.issues[0].message


@settings(max_examples=300, deadline=None)
@given(millis=st.sampled_from([NO_ACTIVITY - 1, NO_ACTIVITY, 0, LAST_INSTANT, LAST_INSTANT + 1]) | st.integers(),
       chat_id=st.text(max_size=40) | st.sampled_from(["", "x" * 1536, "x" * 1537, "é" * 800]))
def test_a_cursor_just_issued_decodes_as_a_parse_of_it_would(millis: int, chat_id: str) -> None:
    """``decode`` looks up the cursors ``encode`` handed out lately instead of parsing them: the
    answer must be the parse's, for every position, those the parse refuses included."""
    cursor = cursors.encode(millis, chat_id)
    looked_up = _answer(cursor)
    cursors._ISSUED.clear()
    assert looked_up == _answer(cursor)


def test_the_cursors_kept_for_lookup_are_bounded() -> None:
    largest = 0
    for index in range(cursors.ISSUED_KEPT * 2 + 10):
        cursors.encode(index, f"!chat{index}:x")
        largest = max(largest, len(cursors._ISSUED))
    assert largest == cursors.ISSUED_KEPT
