"""The message checks of ``fake-beeper check``: a few chats' messages walked as the SDKs walk them.

The SDKs' pager sends ``cursor=<oldestCursor>`` until ``hasMore`` is false, a page is empty or
the cursor is missing (messages-contract §3). A server must bring that walk to an end, each
message once: a cursor that does not move, or a message met twice, is a walk that never ends
or that shows a message twice. Every page must be the contract's ``MessagePage`` (of the stage
the server is held to), and every message the chat's own. Which end comes first is not
contract (the SDKs never say), so it is not checked.

The chats walked are the first ``MESSAGE_CHATS`` the list shows with a ``preview`` and no
``merge`` (a merged chat "holds no messages of its own"); each walk stops after ``max_messages``
messages (``check --max-messages``), so a server with long histories is checked in bounded time.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fake_beeper.check.pagination import page_body
from fake_beeper.check.report import Violation
from fake_beeper.check.walks import Server
from fake_beeper.contract import spec
from fake_beeper.text import shown

MESSAGE_CHATS = 3
MAX_MESSAGE_PAGES = 1_000  # a walk still going after this many pages does not end


def chats_with_messages(server: Server) -> list[dict[str, Any]]:
    """The chats whose messages are walked (see the module's docstring)."""
    return [chat for chat in server.full.chats
            if isinstance(chat.get("preview"), dict) and not chat.get("merge")][:MESSAGE_CHATS]


def every_message_once_and_an_end(server: Server) -> None:
    """Each chosen chat's messages, walked by ``oldestCursor``: each message once, valid pages, an end."""
    validator = server.stage.validator(spec.MESSAGE_PAGE_SCHEMA)
    for chat in chats_with_messages(server):
        _walk(server, chat, validator)


def _walk(server: Server, chat: dict[str, Any], validator: Any) -> None:
    path = f"/v1/chats/{quote(chat['id'], safe='')}/messages"
    seen: dict[str, int] = {}  # message ID: the page it was met on
    cursors: dict[str, int] = {}  # each cursor followed: the page that gave it
    cursor: str | None = None
    for number in range(1, MAX_MESSAGE_PAGES + 1):
        params = {"cursor": cursor} if cursor else {}
        where = f"page {number} of chat {shown(chat['id'], 80)}'s messages (GET {path}" + \
                (f"?cursor={quote(cursor, safe='')}" if cursor else "") + ")"
        body = page_body(server.http.get(path, params=params), where)
        error = next(validator.iter_errors(body), None)
        if error is not None:
            raise Violation(f"{where}: {spec.instance_place(error.instance_path) or '(the page)'}: "
                            f"{spec.error_message(error)}")
        items: list[dict[str, Any]] = body["items"]
        for message in items:
            if message["id"] in seen:
                raise Violation(f"{where}: message {shown(message['id'], 80)} was met on page {seen[message['id']]} "
                                "already: the walk loops, or its pages overlap")
            seen[message["id"]] = number
            if message["chatID"] != chat["id"] and message["chatID"] != chat.get("localChatID"):
                raise Violation(f"{where}: message {shown(message['id'], 80)} is of chat "
                                f"{shown(message['chatID'], 80)}, not of the chat listed")
        if not items and body["hasMore"]:
            raise Violation(f"{where}: an empty page says hasMore: true")
        cursor = body["oldestCursor"]
        if not body["hasMore"] or not items or not cursor or len(seen) >= server.max_messages:
            return
        if cursor in cursors:
            raise Violation(f"{where}: its oldestCursor is the one page {cursors[cursor]} gave: the cursor does "
                            "not move, and the walk would never end")
        cursors[cursor] = number
    raise Violation(f"chat {shown(chat['id'], 80)}'s messages: still hasMore after {MAX_MESSAGE_PAGES} pages")
