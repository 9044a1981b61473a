"""``FakeBeeper``: one fake Beeper Desktop for a test, reachable in-process or on a live port.

It bundles what a test touches: the chats (``store``), the ``token``, the ``journal`` of requests
received, scripted pages, and ways in: httpx clients and transports that call the app directly,
or a real server on a free loopback port (``start()``) for clients in other processes and
languages, with ``env()`` giving the variables the official SDKs read.

    with FakeBeeper.generated(seed=3, count=120) as fake:
        client = BeeperDesktop(base_url=fake.base_url, access_token=fake.token,
                               http_client=fake.http_client())
        assert [chat.id for chat in client.chats.list()] == fake.ordered_ids()

The pytest plugin's fixtures (``fake_beeper``, ``fake_beeper_server``, ``fake_beeper_env``) are
thin wrappers around this class, which works outside pytest too.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self

import httpx

from fake_beeper.contract import stages
from fake_beeper.contract.behaviour import Behaviour, parse_behaviour
from fake_beeper.contract.stages import LATEST, ProfileError, Stage
from fake_beeper.data import DEFAULT_ACCOUNTS, load_chats, read_world, validate_chats
from fake_beeper.data.files import validate_accounts, validate_messages
from fake_beeper.data.loaded import LoadedChat
from fake_beeper.defaults import DEFAULT_TOKEN
from fake_beeper.errors import FakeBeeperError, UsageError
from fake_beeper.http.app import FakeBeeperApp, create_app
from fake_beeper.http.guard import IN_PROCESS_HOST
from fake_beeper.http.server import LiveServer, SharedServer
from fake_beeper.http.transport import AsyncInProcessTransport, InProcessTransport
from fake_beeper.world.activity import Activity
from fake_beeper.world.conversation import SendPlan
from fake_beeper.world.journal import Journal
from fake_beeper.world.scenario import ScenarioError, parse_scenario
from fake_beeper.world.state import InternalError, build_state
from fake_beeper.world.store import ChatStore

IN_PROCESS_URL = f"http://{IN_PROCESS_HOST}"


class FakeBeeperServerError(FakeBeeperError, AssertionError):
    """The fake hit an internal error while serving a request: a bug in the fake, not in the client.

    The message holds the fake's own traceback(s); the pytest fixtures raise it at teardown.
    """

    def __init__(self, errors: Sequence[InternalError], more: int = 0) -> None:
        self.errors = list(errors)
        listed = "\n".join(str(error) for error in self.errors)
        counted = f" (and {more} more, not kept)" if more else ""
        super().__init__(f"fake-beeper hit {len(self.errors) + more} internal error(s){counted}, each answered with "
                         f"a 500 (a bug in fake-beeper, not in your client):\n{listed}")


class FakeBeeper:
    """A fake over ``chats`` (schema-valid chat dicts, or the default dataset when ``None``) and
    ``accounts`` (schema-valid ``Account`` dicts; those not given are derived from the chats)."""

    def __init__(self, chats: Iterable[Mapping[str, Any]] | None = None, *,
                 accounts: Iterable[Mapping[str, Any]] = (),
                 token: str = DEFAULT_TOKEN, scenario: Mapping[str, Any] | None = None,
                 behaviour: Mapping[str, str] | Behaviour | None = None, profile: str | Stage | None = None,
                 chats_profile: str | Stage = LATEST,
                 messages: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
                 generated_messages: bool = True) -> None:
        """``profile``: serve the API as that stage of it (``fake_beeper.contract.stages``: ``4.1``,
        ``js-4.2.3``, ``4.2``, ``5.0``, ``6.0``/``latest``); the chats and accounts are given in the
        newest shape, or (``chats_profile``: a recording of an older server) in that stage's, which
        is then the only one they can be served as, and the default.

        ``messages``: some chats' messages, by chat ID (``Message`` dicts of the chat, in any
        order, none newer than its ``preview``); the other chats get histories made from them, or,
        with ``generated_messages=False``, their ``preview`` alone."""
        source = stages.stage(chats_profile)
        if chats is None and not source.is_latest:
            raise UsageError("FakeBeeper(chats_profile=...) says the stage of the chats given: give chats=..., "
                             "or leave it out for the default data (the newest shape)")
        accounts = validate_accounts(list(accounts), source="FakeBeeper(accounts=...)",
                                     stage=source) if accounts else ()
        loaded = load_chats() if chats is None else loaded_chats(chats, stage=source)
        given = validate_messages(dict(messages), loaded, source="FakeBeeper(messages=...)",
                                  stage=source) if messages else None
        self.state = build_state(loaded, accounts, source=source, stage=stages.stage(profile) if profile else None,
                                 token=token, messages=given, generated_messages=generated_messages)
        self.app: FakeBeeperApp = create_app(self.state)
        if scenario:
            self.scenario(scenario)
        if behaviour is not None:  # on top of the scenario's own behaviour section
            self.behaviour = behaviour
        self._server: LiveServer | SharedServer | None = None
        self._transport = InProcessTransport(self.app)

    @classmethod
    def generated(cls, *, seed: int, count: int, accounts: int = DEFAULT_ACCOUNTS, token: str = DEFAULT_TOKEN,
                  profile: str | Stage | None = None) -> Self:
        """A fake over ``count`` chats generated from ``seed`` (the same chats for the same seed)."""
        return cls(load_chats(seed=seed, count=count, accounts=accounts), token=token, profile=profile)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], *, token: str = DEFAULT_TOKEN,
                  scenario: Mapping[str, Any] | None = None,
                  behaviour: Mapping[str, str] | Behaviour | None = None,
                  profile: str | Stage | None = None) -> Self:
        """A fake over a fixture file (``.jsonl`` or ``.json``: what ``fake-beeper generate`` or
        ``fake-beeper record`` wrote), its accounts included, served as the stage the file says
        (``record --profile``) unless ``profile`` says another."""
        world = read_world(path)
        try:
            return cls(world.chats, accounts=world.accounts, token=token, scenario=scenario, behaviour=behaviour,
                       profile=profile, chats_profile=world.stage, messages=world.messages,
                       generated_messages=world.generated_messages)
        except ProfileError as exc:
            raise ProfileError(f"{path}: {exc}") from None

    # -- what the fake holds ------------------------------------------------------------------

    @property
    def store(self) -> ChatStore:
        return self.state.store

    @property
    def journal(self) -> Journal:
        """Every request received, with the status answered."""
        return self.state.journal

    @property
    def token(self) -> str:
        return self.state.token

    @token.setter
    def token(self, value: str) -> None:
        """Change the accepted token while clients run: the next request with the old one gets a 401."""
        self.state.token = value

    @property
    def profile(self) -> str:
        """The name of the stage of the API this fake serves (``fake_beeper.contract.stages``)."""
        return self.state.stage.name

    @property
    def stage(self) -> Stage:
        """The stage of the API this fake serves."""
        return self.state.stage

    def ordered_ids(self, account_ids: Sequence[str] | None = None) -> list[str]:
        """Every chat ID in the order ``GET /v1/chats`` walks them (optionally one accounts' subset);
        without the undated chats when the behaviour leaves them out."""
        return self.store.ordered_ids(account_ids, undated=self.state.behaviour.undated == "last")

    def messages(self, chat_id: str) -> list[dict[str, Any]]:
        """Every message of a chat (by ID or local ID), newest first, as ``GET …/messages`` walks
        them; a ``NotFound`` error for an unknown chat."""
        return list(self.state.messages.messages(chat_id))

    def sent_messages(self, chat_id: str | None = None) -> list[dict[str, Any]]:
        """The messages a client sent (to the chat with this ID or local ID, or to any chat),
        oldest first, as they are now: pending, or under their final ID once sent; a
        ``NotFound`` error for an unknown chat. A send retried after a lost answer is there twice."""
        return list(self.state.conversation.sent(chat_id))

    @property
    def sends(self) -> SendPlan:
        """How sends end (``world/conversation.py``): after ``delay`` seconds (0.1 unless set),
        with their final ID, or the failure status ``fail`` for the next ``times`` sends."""
        return self.state.conversation.plan

    @sends.setter
    def sends(self, value: Mapping[str, Any] | SendPlan) -> None:
        """``fake.sends = {"delay": 0}``: the plan of the sends from now on (as a scenario's ``sends``)."""
        if not isinstance(value, SendPlan):
            value = parse_scenario({"sends": dict(value)}, source="FakeBeeper.sends").sends
        self.state.conversation.plan = value

    @property
    def behaviour(self) -> Behaviour:
        """How the fake answers where the contract is silent (see ``fake_beeper.contract.behaviour``)."""
        return self.state.behaviour

    @behaviour.setter
    def behaviour(self, value: Mapping[str, str] | Behaviour) -> None:
        """``fake.behaviour = {"after": "newest"}``: those choices, the others as they were."""
        if not isinstance(value, Behaviour):
            value = parse_behaviour(value, source="FakeBeeper.behaviour", base=self.state.behaviour)
        self.state.behaviour = value

    @property
    def activity(self) -> Activity:
        """Live changes, now: ``fake.activity.message(chat_id)`` moves that chat to the top with a
        new preview and one more unread; also ``new_chat()``, ``archive()``, ``remove()``."""
        return self.state.activity

    def scenario(self, document: Mapping[str, Any] | None = None, **parts: Any) -> None:
        """Set faults and activity from a scenario document (see ``fake_beeper.world.scenario``), or
        from its parts: ``fake.scenario(rules=[{"match": {"page": 2}, "fault": {"status": 503}}])``.
        ``fake.scenario()`` clears them."""
        document = {**(document or {}), **parts}
        self.state.apply_scenario(parse_scenario(document, source="FakeBeeper.scenario") if document else None)

    def fail(self, status: int | None = None, *, times: int | None = 1,
             request: int | None = None, every: int | None = None, page: int | None = None,
             probability: float | None = None, params: Mapping[str, str] | None = None,
             operation: str | None = None, method: str | None = None,
             latency: float | tuple[float, float] | None = None, retry_after: float | None = None,
             retry_after_ms: int | None = None, message: str | None = None,
             drop: bool = False, truncate: bool = False, after_serving: bool = False) -> None:
        """Add one fault rule: ``fake.fail(429, retry_after_ms=10, page=3)``.

        Which requests: ``request`` (the Nth), ``every`` (every Nth), ``page`` (of a walk),
        ``probability`` (from the scenario's seed), ``params`` (query values), ``operation`` (its path
        in ``openapi.yaml``: ``"/v1/chats/search"``, ``"/v1/chats/{chatID}"``), ``method``
        (``"POST"``); none: the next one. What happens: ``status`` (401, 429, 500 or 503, with
        ``retry_after``, ``retry_after_ms``, ``message``), ``latency`` (seconds, or a ``(low, high)``
        range), ``drop`` or ``truncate``; with ``after_serving`` the request is served first and
        only its answer is the error or the drop (a send goes through: a retry sends it again).
        ``times`` (default 1; ``None``: always) limits it. The SDKs retry a 429, 500 or 503 twice,
        so one failure is retried away unseen: ``times=3`` (or ``None``) makes the client give up.
        A bad value raises a ``UsageError`` that names the keyword and the values it takes.
        """
        match = {"request": request, "every": every, "page": page, "probability": probability, "params": params,
                 "operation": operation, "method": method}
        fault = {"status": status, "latency": list(latency) if isinstance(latency, tuple) else latency,
                 "retry_after": retry_after, "retry_after_ms": retry_after_ms, "message": message,
                 "drop": drop or None, "truncate": truncate or None, "after_serving": after_serving or None}
        if not any(fault[name] is not None for name in ("status", "latency", "drop", "truncate")):
            raise UsageError("FakeBeeper.fail: say what happens: status=401|429|500|503, latency=SECONDS, "
                             "drop=True or truncate=True")
        rule: dict[str, Any] = {"match": _camel(match), "fault": _camel(fault)}
        if times is not None:
            rule["times"] = times
        try:
            parsed = parse_scenario({"rules": [rule]}, source="FakeBeeper.fail").rules[0]
        except ScenarioError as exc:
            keyword = _snake((exc.place or "").rsplit(".", 1)[-1].split("[")[0]) or "arguments"
            raise UsageError(f"FakeBeeper.fail: {keyword}: {exc.detail or exc}") from None
        self.state.faults.add(parsed)

    def serve_pages(self, *pages: Mapping[str, Any] | bytes) -> None:
        """Answer the next requests of a paged operation (``GET /v1/chats``, ``/v1/chats/search``, a
        chat's messages, ``/v1/messages/search``) with these bodies, as given, then the store again.

        Each call replaces the pages a previous call left unserved, so a Hypothesis test can call
        it once per example without pages leaking from one example into the next.
        """
        self.state.scripted.replace(*pages)

    # -- bugs in the fake -------------------------------------------------------------------------

    @property
    def errors(self) -> list[InternalError]:
        """Internal errors the fake hit so far (each answered with a 500), with their tracebacks."""
        return self.state.errors

    def check(self) -> None:
        """Raise ``FakeBeeperServerError`` with the fake's own traceback(s) if it hit an internal
        error since the last check (the pytest fixtures call this at teardown)."""
        errors, more = self.state.take_errors()
        if errors or more:
            raise FakeBeeperServerError(errors, more)

    # -- ways in ------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The live server's URL once ``start()``-ed; before that, the in-process clients' URL."""
        return self._server.url if self._server is not None else IN_PROCESS_URL

    @property
    def is_live(self) -> bool:
        return self._server is not None

    def env(self) -> dict[str, str]:
        """The variables the official SDKs read: the base URL (new and old names) and the token."""
        return {"BEEPER_BASE_URL": self.base_url, "BEEPER_DESKTOP_BASE_URL": self.base_url,
                "BEEPER_ACCESS_TOKEN": self.token}

    def transport(self) -> httpx.BaseTransport:
        """The in-process transport for ``httpx.Client``s (one for every client of this fake)."""
        return self._transport

    def async_transport(self) -> httpx.AsyncBaseTransport:
        """An in-process transport for ``httpx.AsyncClient``."""
        return AsyncInProcessTransport(self.app)

    def http_client(self, **kwargs: Any) -> httpx.Client:
        """An ``httpx.Client`` that reaches this fake, authenticated; in-process unless live.

        Pass it to the SDK as ``BeeperDesktop(http_client=...)``; ``kwargs`` go to ``httpx.Client``.
        """
        if not self.is_live:
            kwargs.setdefault("transport", self.transport())
        return httpx.Client(base_url=self.base_url, headers=self._auth_header(), **kwargs)

    def async_http_client(self, **kwargs: Any) -> httpx.AsyncClient:
        """The ``httpx.AsyncClient`` counterpart of ``http_client()``."""
        if not self.is_live:
            kwargs.setdefault("transport", self.async_transport())
        return httpx.AsyncClient(base_url=self.base_url, headers=self._auth_header(), **kwargs)

    def start(self, server: SharedServer | None = None) -> Self:
        """Serve on a free port of 127.0.0.1 in a background thread (until ``stop()``); the same
        fake, so in-process clients made before keep working on the same state.

        With ``server``, a running ``SharedServer``, serve on that one instead of starting one:
        the live pytest fixtures' way to give each test its own fake at no start-up cost.
        """
        if self._server is None:
            if server is None:
                self._server = LiveServer(self.app).start()
            else:
                server.attach(self.app)
                self._server = server
        return self

    def stop(self) -> None:
        """Stop serving on the port (a shared server goes on, serving no fake until the next one)."""
        if isinstance(self._server, SharedServer):
            self._server.detach(self.app)
        elif self._server is not None:
            self._server.stop()
        self._server = None

    def close(self) -> None:
        """Stop the live server, if any (in-process clients need nothing stopped)."""
        self.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def _auth_header(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def loaded_chats(chats: Iterable[Mapping[str, Any]], stage: Stage = LATEST) -> list[LoadedChat]:
    """Chats a test built by hand are validated like a fixture file (against ``stage``),
    with the same messages; chats the fake loaded already (``LoadedChat``) are taken as they are."""
    chats = list(chats)
    if all(isinstance(chat, LoadedChat) for chat in chats):
        return [chat for chat in chats if isinstance(chat, LoadedChat)]
    plain = (chat.to_dict() if isinstance(chat, LoadedChat) else chat for chat in chats)
    return validate_chats(((f"chats[{i}]", chat) for i, chat in enumerate(plain)), source="FakeBeeper(chats=...)",
                          validator=stage.validator())


def _camel(options: dict[str, Any]) -> dict[str, Any]:
    """``retry_after_ms`` → ``retryAfterMs``: Python keywords to the scenario's JSON names (unset ones left out)."""
    return {name.split("_")[0] + "".join(p.title() for p in name.split("_")[1:]): value
            for name, value in options.items() if value is not None}


def _snake(name: str) -> str:
    """``retryAfterMs`` → ``retry_after_ms``: a scenario's JSON name as the Python keyword."""
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()
