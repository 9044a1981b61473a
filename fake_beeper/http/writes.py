"""The Beeper API's writes, to messages and to chats, one plain function each, as the reads in
``operations.py``.

A write gets its JSON body already read (``app.py``: at most ``body.MAX_BODY`` bytes, ``{}`` when
there is none) and checks it against the stage's schema of the operation's body
(``openapi.yaml``): every bad field is an issue of one 400 naming it (``["body", "text"]``), and
keys the schema does not name are let through (Beeper's CLI sends ``mentions`` and
``disableLinkPreview``). The state's ``conversation`` (``world/conversation.py``) or
``chat_actions`` (``world/chat_actions.py``) does the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.requests import Request

from fake_beeper.contract import spec
from fake_beeper.errors import INVALID_TYPE, Issue, invalid_request
from fake_beeper.http.query import parse_body, parse_query
from fake_beeper.world.chat_view import retrieved
from fake_beeper.world.state import FakeState


def send_message(state: FakeState, request: Request, path_params: Mapping[str, str], body: Any) -> bytes:
    """``POST /v1/chats/{chatID}/messages``: ``{chatID, pendingMessageID}``; the message follows."""
    body = _checked(state, spec.LIST_MESSAGES_PATH, "POST", body)
    return orjson.dumps(state.conversation.send(path_params["chatID"], body))


def edit_message(state: FakeState, request: Request, path_params: Mapping[str, str], body: Any) -> bytes:
    """``PUT /v1/chats/{chatID}/messages/{messageID}``: the edited message, in the stage's answer."""
    body = _checked(state, spec.GET_MESSAGE_PATH, "PUT", body)
    edited = state.conversation.edit(path_params["chatID"], path_params["messageID"], body["text"])
    return orjson.dumps(state.stage.project(edited, "MessageUpdateResponse"))


def delete_message(state: FakeState, request: Request, path_params: Mapping[str, str], body: Any) -> None:
    """``DELETE /v1/chats/{chatID}/messages/{messageID}``: a 204."""
    parse_query(spec.GET_MESSAGE_PATH, request.query_params, behaviour=state.behaviour, stage=state.stage,
                method="DELETE")  # forEveryone: checked; the fake deletes for everyone either way
    state.conversation.delete(path_params["chatID"], path_params["messageID"])


def add_reaction(state: FakeState, request: Request, path_params: Mapping[str, str], body: Any) -> bytes:
    """``POST …/messages/{messageID}/reactions``: the reaction, with a ``transactionID``."""
    body = _checked(state, spec.REACTIONS_PATH, "POST", body)
    return orjson.dumps(state.conversation.react(path_params["chatID"], path_params["messageID"],
                                                 body["reactionKey"], body.get("transactionID")))


def remove_reaction(state: FakeState, request: Request, path_params: Mapping[str, str], body: Any) -> bytes:
    """``DELETE …/reactions/{reactionKey}`` (from 5.0)."""
    return orjson.dumps(state.conversation.unreact(path_params["chatID"], path_params["messageID"],
                                                   path_params["reactionKey"]))


def remove_reaction_by_query(state: FakeState, request: Request, path_params: Mapping[str, str],
                             body: Any) -> bytes:
    """``DELETE …/reactions?reactionKey=`` (the 4.2 SDKs), or with ``{"reactionKey"}`` as the body
    (Beeper's CLI)."""
    query = parse_query(spec.REACTIONS_PATH, request.query_params, behaviour=state.behaviour, stage=state.stage,
                        method="DELETE")
    body = _checked(state, spec.REACTIONS_PATH, "DELETE", body)
    key = query.get("reactionKey") or body.get("reactionKey")
    if not key:
        raise invalid_request([Issue(INVALID_TYPE, "reactionKey is required (in the query or the body)",
                                     ("query", "reactionKey"))])
    return orjson.dumps(state.conversation.unreact(path_params["chatID"], path_params["messageID"], key))


def create_chat(state: FakeState, request: Request, path_params: Mapping[str, str], body: Any) -> bytes:
    """``POST /v1/chats``: the chat, with ``chatID`` and ``status``, in the stage's answer."""
    body = _checked(state, spec.LIST_CHATS_PATH, "POST", body)
    if body.get("mode") == "start":  # 4.2's form of a start: its user held to the start's schema
        parse_body(body, state.stage.validator("StartChatRequest"))
        return _opened(state, state.chat_actions.start(body))
    return _opened(state, state.chat_actions.create(body))


def start_chat(state: FakeState, request: Request, path_params: Mapping[str, str], body: Any) -> bytes:
    """``POST /v1/chats/start``: the direct chat with a user, found or made."""
    body = _checked(state, spec.START_CHAT_PATH, "POST", body)
    return _opened(state, state.chat_actions.start(body))


def update_chat(state: FakeState, request: Request, path_params: Mapping[str, str], body: Any) -> bytes:
    """``PATCH /v1/chats/{chatID}``: the chat as changed."""
    body = _checked(state, spec.GET_CHAT_PATH, "PATCH", body)
    return retrieved(state.chat_actions.update(path_params["chatID"], body), -1)


def archive_chat(state: FakeState, request: Request, path_params: Mapping[str, str], body: Any) -> None:
    """``POST /v1/chats/{chatID}/archive``: a 204."""
    body = _checked(state, spec.ARCHIVE_CHAT_PATH, "POST", body)
    state.chat_actions.archive(path_params["chatID"], body.get("archived"))


def mark_read(state: FakeState, request: Request, path_params: Mapping[str, str], body: Any) -> bytes:
    """``POST /v1/chats/{chatID}/read``: the chat, read."""
    body = _checked(state, spec.READ_CHAT_PATH, "POST", body)
    return retrieved(state.chat_actions.read(path_params["chatID"], body.get("messageID")), -1)


def mark_unread(state: FakeState, request: Request, path_params: Mapping[str, str], body: Any) -> bytes:
    """``POST /v1/chats/{chatID}/unread``: the chat, unread."""
    body = _checked(state, spec.UNREAD_CHAT_PATH, "POST", body)
    return retrieved(state.chat_actions.unread(path_params["chatID"], body.get("messageID")), -1)


def notify_anyway(state: FakeState, request: Request, path_params: Mapping[str, str], body: Any) -> bytes:
    """``POST /v1/chats/{chatID}/notify-anyway``: the chat (iMessage chats only)."""
    return retrieved(state.chat_actions.notify_anyway(path_params["chatID"]), -1)


def set_reminder(state: FakeState, request: Request, path_params: Mapping[str, str], body: Any) -> None:
    """``POST /v1/chats/{chatID}/reminders``: a 204."""
    body = _checked(state, spec.REMINDERS_PATH, "POST", body)
    state.chat_actions.remind(path_params["chatID"], body["reminder"])


def clear_reminder(state: FakeState, request: Request, path_params: Mapping[str, str], body: Any) -> None:
    """``DELETE /v1/chats/{chatID}/reminders``: a 204."""
    state.chat_actions.forget_reminder(path_params["chatID"])


def _opened(state: FakeState, chat: dict[str, Any]) -> bytes:
    """A created or started chat as the stage answers: the chat as retrieve shows it (from 5.0),
    ``chatID`` and ``status`` (from 4.2), or ``chatID`` alone (4.1)."""
    shown = orjson.loads(retrieved(orjson.dumps(chat), -1))
    return orjson.dumps(state.stage.project(shown, "ChatCreateResponse"))


def _checked(state: FakeState, path: str, method: str, body: Any) -> Any:
    validator = state.stage.body_validator(path, method)
    return body if validator is None else parse_body(body, validator)
