"""Cursors: the documented forms are accepted; anything the fake could not have issued is a 400."""

from __future__ import annotations

import pytest

from fake_beeper.errors import ApiError
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
