"""Reading a server's chats, accounts and newest messages for ``fake-beeper record``: GET only,
politely, all or nothing.

The walk follows ``oldestCursor`` from the newest chat with the largest page the contract allows
(``limit=200``; a server that ignores it just sends smaller pages; a stage without ``limit``,
``record --profile 4.2``, is sent none), through the ``Polite`` gate
of ``fake_beeper.polite``: no method but GET, at most ``rate`` requests a second. A 429 or 503
is waited out as its ``Retry-After`` says (at most ``MAX_RETRY_WAIT`` seconds, ``RETRIES``
times); anything else that is not a page (a 401, a 500, a dropped connection, a chat the
contract rejects) ends the recording with a ``RecordError`` that names the request, and
nothing is kept. A chat met twice (the list changed during the walk) is kept where it was first;
a page that brings no chat not met before, or a cursor given twice, means the pages loop, and
ends the recording. What is kept is bounded: ``max_chats`` (by default ``DEFAULT_MAX_CHATS``) and
``MAX_RECORDING_BYTES`` of chats, and the ``polite`` gate bounds each answer and the time.
Chats are kept as their JSON, not as dicts: a dict costs ten times the memory of its text.
Then ``fetch_messages`` reads the newest messages of the newest chats the same way (its bounds:
``max_messages`` a chat, ``chats`` chats, the same ``MAX_RECORDING_BYTES`` in all).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import jsonschema_rs
import orjson

from fake_beeper.contract import spec
from fake_beeper.contract.stages import CHAT_SCHEMA, LARGEST_PAGE, LATEST, Stage, stages_of
from fake_beeper.errors import FakeBeeperError
from fake_beeper.polite import AnswerRefused
from fake_beeper.text import shown
from fake_beeper.world.messages import CURSOR_NO_LIMIT

RETRIES = 3
MAX_RETRY_WAIT = 30.0
MAX_RECORD_PAGES = 100_000  # a server whose hasMore never ends stops the recording, not the machine
DEFAULT_MAX_CHATS = 50_000  # far past a real inbox; a server that invents chats reaches it in seconds
MAX_RECORDING_BYTES = 256 * 2**20  # of chats' JSON, kept in memory until the file is written


class RecordError(FakeBeeperError):
    """The recording cannot go on; the message is one line saying why."""


@dataclass
class Fetched:
    chats: list[bytes] = field(default_factory=list)  # each chat's JSON, in list order
    accounts: list[dict[str, Any]] | None = None  # None: the server has no GET /v1/accounts
    pages: int = 0
    repeated: int = 0  # chats met again on a later page, kept once
    messages: list[bytes] = field(default_factory=list)  # the messages recorded, each one's JSON
    message_chats: int = 0  # the chats whose messages were read
    size: int = 0  # bytes of JSON kept


def fetch_messages(client: httpx.Client, fetched: Fetched, *, max_messages: int, chats: int,
                   stage: Stage = LATEST) -> None:
    """The newest ``max_messages`` messages of the newest ``chats`` chats that have any (a
    merged chat holds none), walked as the SDKs walk them: by ``oldestCursor`` (before 5.0, the
    last message's ``sortKey``). Each is held to ``stage``'s ``Message`` and to its chat; a cursor
    given twice, or a page with no message not met before, means the pages loop."""
    if max_messages <= 0 or chats <= 0:
        return
    validator = stage.validator(spec.MESSAGE_SCHEMA)
    for body in fetched.chats:
        if fetched.message_chats >= chats:
            return
        chat = orjson.loads(body)
        if chat.get("preview") and not chat.get("merge"):
            fetched.message_chats += 1
            if not _chat_messages(client, fetched, chat, max_messages, validator, stage):
                fetched.message_chats = 0  # a server without the message list (404): no messages
                return


def _chat_messages(client: httpx.Client, fetched: Fetched, chat: dict[str, Any], max_messages: int,
                   validator: jsonschema_rs.Validator, stage: Stage) -> bool:
    """A chat's newest messages into ``fetched``; ``False`` if the very first page is a 404
    (the server has no message list), which ends the reading of messages, not the recording."""
    path = spec.LIST_MESSAGES_PATH.replace("{chatID}", quote(chat["id"], safe=""))
    seen: set[str] = set()
    cursors: set[str] = set()
    cursor: str | None = None
    while len(seen) < max_messages:
        where = f"chat {fetched.message_chats}'s messages, page {len(cursors) + 1} (GET {spec.LIST_MESSAGES_PATH})"
        first = cursor is None and not fetched.messages
        page = _get(client, path, {} if cursor is None else {"cursor": cursor, "direction": "before"}, where,
                    absent_ok=first)
        if page is None:
            return False
        items = page.get("items") if isinstance(page, dict) else None
        if not isinstance(items, list):
            raise RecordError(f"{where}: the answer is not a page of messages")
        fresh = 0
        for position, message in enumerate(items):
            _check(validator, message, f"{where}: message {position + 1}", stage)
            if message["chatID"] != chat["id"]:
                raise RecordError(f"{where}: message {position + 1} is of another chat")
            if message["id"] in seen or len(seen) >= max_messages:
                continue
            seen.add(message["id"])
            fresh += 1
            kept = bytes(memoryview(orjson.dumps(message)))
            fetched.size += len(kept)
            if fetched.size > MAX_RECORDING_BYTES:
                raise AnswerRefused(f"{where}: the recording passed {MAX_RECORDING_BYTES // 2**20} MiB; "
                                    "record fewer with --max-messages N or --message-chats M")
            fetched.messages.append(kept)
        # The SDKs' pagers: oldestCursor from 5.0; before, the last message's sortKey.
        cursor = items[-1].get("sortKey") if stage.before(CURSOR_NO_LIMIT) and items else page.get("oldestCursor")
        if not page.get("hasMore") or not items or not isinstance(cursor, str) or len(seen) >= max_messages:
            return True
        if not fresh or cursor in cursors:
            raise AnswerRefused(f"{where}: no message that earlier pages did not have, and hasMore: the pages loop")
        cursors.add(cursor)
    return True


def fetch_world(client: httpx.Client, *, max_chats: int | None = None,
                progress: Callable[[int], None] = lambda done: None, stage: Stage = LATEST) -> Fetched:
    """The server's accounts, then its chats in list order (at most ``max_chats``: the newest;
    ``None``: at most ``DEFAULT_MAX_CHATS``, and more is refused), each held to ``stage`` of the
    contract."""
    chosen = max_chats is not None
    most = max_chats if max_chats is not None else DEFAULT_MAX_CHATS
    fetched = Fetched(accounts=_accounts(client, stage))
    seen: set[str] = set()
    cursors: set[str] = set()
    size = 0
    validator = stage.validator()
    limited = stage.has_list_limit
    cursor: str | None = None
    where = ""
    while len(fetched.chats) < most:
        limit = min(LARGEST_PAGE, most - len(fetched.chats))
        params: dict[str, Any] = {"limit": limit} if limited else {}
        if cursor is not None:
            params |= {"cursor": cursor, "direction": "before"}
        fetched.pages += 1
        query = "&".join([*([f"limit={limit}"] if limited else []),
                          *([] if cursor is None else ["cursor=…&direction=before"])])  # a cursor is long
        where = f"page {fetched.pages} (GET {spec.LIST_CHATS_PATH}{'?' + query if query else ''})"
        page = _get(client, spec.LIST_CHATS_PATH, params, where)
        items = page.get("items") if isinstance(page, dict) else None
        if not isinstance(items, list):
            raise RecordError(f"{where}: the answer is not a page of chats")
        kept = len(fetched.chats)
        size, cut_short = _keep(fetched, items, where, validator, stage, seen, most, size)
        fetched.size = size
        progress(len(fetched.chats))
        cursor = page.get("oldestCursor")
        if not page.get("hasMore") or not items or not isinstance(cursor, str):
            if cut_short and not chosen:
                break
            return fetched
        if len(fetched.chats) == kept or cursor in cursors:
            again = "the cursor of an earlier page" if cursor in cursors else "no chat that earlier pages did not have"
            raise AnswerRefused(f"{where}: {again}, and hasMore: the pages loop")
        cursors.add(cursor)
        if fetched.pages >= MAX_RECORD_PAGES:
            raise AnswerRefused(f"{where}: still more chats after {MAX_RECORD_PAGES:,} pages; pass --max-chats")
    if not chosen:  # the default bound, not the user's: more chats than a real inbox holds
        raise AnswerRefused(f"{where}: still more chats after {most:,} (the default --max-chats): a server "
                            "that never ends? To record the newest N of a larger inbox, pass --max-chats N")
    return fetched


def _keep(fetched: Fetched, items: list[Any], where: str, validator: jsonschema_rs.Validator, stage: Stage,
          seen: set[str], most: int, size: int) -> tuple[int, bool]:
    """A page's chats checked and kept (those met before counted, not kept), until ``most``;
    the bytes kept so far, and whether chats of this page were left out at ``most``."""
    for position, chat in enumerate(items):
        _check(validator, chat, f"{where}: chat {position + 1}", stage)
        if chat["id"] in seen:
            fetched.repeated += 1
            continue
        seen.add(chat["id"])
        body = bytes(memoryview(orjson.dumps(chat)))  # exact to the byte: orjson's own keeps its slack
        size += len(body)
        if size > MAX_RECORDING_BYTES:
            raise AnswerRefused(f"{where}: the chats passed {MAX_RECORDING_BYTES // 2**20} MiB at chat "
                                f"{len(fetched.chats) + 1:,}; record fewer with --max-chats N")
        fetched.chats.append(body)
        if len(fetched.chats) >= most:
            return size, position < len(items) - 1
    return size, False


def _accounts(client: httpx.Client, stage: Stage) -> list[dict[str, Any]] | None:
    where = f"GET {spec.LIST_ACCOUNTS_PATH}"
    accounts = _get(client, spec.LIST_ACCOUNTS_PATH, {}, where, absent_ok=True)
    if accounts is None:
        return None
    if not isinstance(accounts, list):
        raise RecordError(f"{where}: the answer is not a list of accounts")
    validator = stage.validator(spec.ACCOUNT_SCHEMA)
    for position, account in enumerate(accounts):
        _check(validator, account, f"{where}: account {position + 1}", stage, spec.ACCOUNT_SCHEMA)
    return accounts


def _check(validator: jsonschema_rs.Validator, value: Any, what: str, stage: Stage,
           schema: str = CHAT_SCHEMA) -> None:
    if not validator.is_valid(value):
        error = next(validator.iter_errors(value))
        which = "" if stage.is_latest else f" of stage {stage}"
        place = shown(spec.instance_place(error.instance_path) or "its root")
        raise RecordError(f"{what} breaks the contract{which} at {place}: {spec.error_message(error)}"
                          f"{_stage_hint(value, stage, schema)}")


def _stage_hint(value: Any, stage: Stage, schema: str) -> str:
    """Which stages of the contract a value that breaks ``stage`` fits, read off the value: a
    server of one of them would send it."""
    fits = [found.name for found in stages_of(value, schema) if found is not stage]
    if not fits:
        return ""
    return f" (it fits stage{'s' if len(fits) > 1 else ''} {' and '.join(fits)}: for an older server, " \
        f"pass --profile {fits[-1]}" + \
        (f" or {' or '.join(fits[:-1])}" if len(fits) > 1 else "") + ")"


def _get(client: httpx.Client, path: str, params: dict[str, Any], where: str, *,
         absent_ok: bool = False) -> Any:
    """The JSON of one GET, with 429/503 waited out; ``None`` for a 404 when ``absent_ok``."""
    for attempt in range(RETRIES + 1):
        try:
            response = client.get(path, params=params)
        except httpx.TimeoutException:
            raise RecordError(f"{where}: no answer within {client.timeout.read or 0:g} s") from None
        except httpx.HTTPError as exc:
            raise RecordError(f"{where}: {shown(_reason(exc))}") from None
        if response.status_code in (429, 503) and attempt < RETRIES:
            time.sleep(_retry_wait(response, attempt))  # then the gate: a Ctrl-C meanwhile stops the retry
            continue
        break
    if response.status_code == 404 and absent_ok:
        return None
    if response.status_code == 401:
        raise RecordError(f"{where}: 401: the server refused the token (--token, or BEEPER_ACCESS_TOKEN)")
    if response.status_code != 200:
        raise RecordError(f"{where}: HTTP {response.status_code}{_error_text(response)}")
    try:
        return response.json()
    except ValueError:
        raise RecordError(f"{where}: the answer is not JSON") from None


def _retry_wait(response: httpx.Response, attempt: int) -> float:
    try:
        wait = float(response.headers.get("retry-after", ""))
    except ValueError:
        wait = 2.0**attempt
    return min(max(wait, 0.0), MAX_RETRY_WAIT)


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return f" {shown(str(body.get('code', '')), 40)}: {shown(body['message'])}".replace("  ", " ")
    return ""


def _reason(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect ({exc})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"the server closed the connection without a complete answer ({exc})"
    return f"{type(exc).__name__}: {exc}"
