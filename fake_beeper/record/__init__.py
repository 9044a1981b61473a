"""``fake-beeper record``: a server's chats, accounts and newest messages, anonymised, as a fixture file.

    recording = record("http://localhost:23373", token, RecordOptions(seed=4))
    write_chats(recording.bodies, "mine.jsonl", accounts=recording.accounts, messages=recording.messages)

Three steps, each its own module: ``fetch`` walks the server (GET only, politely, all or
nothing), ``anonymise`` replaces what identifies anyone as ``openapi.yaml``'s ``x-anonymise``
annotations say (``pseudonyms`` draws the replacements) and searches its own output for what
it replaced, and the result is validated against the contract like any fixture file before the
caller writes it. Nothing here writes a file: a recording that fails at any step leaves none.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from fake_beeper.contract import stages
from fake_beeper.contract.stages import LATEST, Stage
from fake_beeper.data.files import FixtureError, validate_accounts, validate_chats, validate_messages
from fake_beeper.defaults import (
    DEFAULT_RECORD_MAX_MESSAGES,
    DEFAULT_RECORD_MAX_TIME,
    DEFAULT_RECORD_MESSAGE_CHATS,
    DEFAULT_RECORD_RATE,
)
from fake_beeper.polite import AnswerRefused, CheckInterrupted, OutOfTime, Polite, polite_client
from fake_beeper.record.anonymise import Anonymiser, LeakError, Summary
from fake_beeper.record.fetch import Fetched, RecordError, fetch_messages, fetch_world

__all__ = ["AnswerRefused", "CheckInterrupted", "LeakError", "RecordError", "RecordOptions", "Recording", "record"]


@dataclass(frozen=True)
class RecordOptions:
    rate: float = DEFAULT_RECORD_RATE  # requests a second, at most
    max_chats: int | None = None  # the newest N chats only; None: all, up to DEFAULT_MAX_CHATS (more is refused)
    max_time: float | None = DEFAULT_RECORD_MAX_TIME  # seconds for the whole walk
    seed: int | None = None  # the pseudonyms' key; None: a random one, never stored
    anonymise: bool = True
    shift_days: int = 0  # move every date-time by this many days
    profile: str | Stage = LATEST  # the stage of the contract the server is in (an older Beeper Desktop)
    keep_unknown: bool = False  # keep what the contract does not describe (anonymised), instead of leaving it out
    max_messages: int = DEFAULT_RECORD_MAX_MESSAGES  # per chat, newest first; 0: no messages
    message_chats: int = DEFAULT_RECORD_MESSAGE_CHATS  # the newest chats whose messages are recorded


@dataclass
class Recording:
    bodies: list[bytes]  # each chat's JSON, anonymised, in list order
    accounts: list[dict[str, Any]] | None  # None: the server has no GET /v1/accounts
    fetched: Fetched
    summary: Summary
    requests: int
    seconds: float
    stage: Stage = LATEST  # the stage its chats and accounts are in: the file says so
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by chat ID, anonymised

    @property
    def chats(self) -> list[dict[str, Any]]:
        """The chats, parsed (each call parses them anew)."""
        return [orjson.loads(body) for body in self.bodies]


def record(url: str, token: str, options: RecordOptions = RecordOptions(), *,
           progress: Callable[[int], None] = lambda done: None,
           interrupted: Callable[[], bool] | None = None) -> Recording:
    """Walk ``url`` and return its world anonymised (``RecordError``, ``AnswerRefused`` (a bound
    passed: too large, too deep, too slow, too long, looping), ``LeakError`` or
    ``CheckInterrupted`` if it cannot be: then nothing is returned at all)."""
    started = time.monotonic()
    stage = stages.stage(options.profile)
    deadline = None if options.max_time is None else started + options.max_time
    polite = Polite(rate=options.rate, interrupted=interrupted, deadline=deadline)
    with polite_client(url, token, polite) as client:
        try:
            fetched = fetch_world(client, max_chats=options.max_chats, progress=progress, stage=stage)
            fetch_messages(client, fetched, max_messages=options.max_messages, chats=options.message_chats,
                           stage=stage)
        except OutOfTime:
            raise OutOfTime(f"the walk did not finish within --max-time {options.max_time:g} s "
                            f"({polite.requests:,} requests)") from None
    key = None
    if options.anonymise:
        key = secrets.token_bytes(32) if options.seed is None else f"fake-beeper record {options.seed}".encode()
    try:
        out = Anonymiser(key, shift_days=options.shift_days, keep_unknown=options.keep_unknown).run(
            fetched.chats, fetched.accounts or [], fetched.messages)
    except ValueError as exc:  # a date-time shifted past the year 9999
        raise RecordError(f"--shift-days {options.shift_days}: {exc}") from None
    messages: dict[str, list[dict[str, Any]]] = {}
    for body in out.messages:
        message = orjson.loads(body)
        messages.setdefault(message["chatID"], []).append(message)
    try:  # what the fake will load: a replacement that broke a chat is a bug, and said before writing
        chats = validate_chats(((f"chat {index + 1}", orjson.loads(body), body) for index, body in
                                enumerate(out.chats)), source="the recording", validator=stage.validator())
        validate_accounts(out.accounts, source="the recording", stage=stage)
        validate_messages(messages, chats, source="the recording", stage=stage)
    except FixtureError as exc:
        raise RecordError(f"{exc} (after anonymising: a bug in fake-beeper)") from None
    return Recording(out.chats, out.accounts if fetched.accounts is not None else None, fetched, out.summary,
                     polite.requests, time.monotonic() - started, stage, messages)
