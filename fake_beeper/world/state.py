"""One fake's state, in one typed object: what requests read and what tests and the control API change.

The HTTP app (``app.py``), the control API (``control.py``), ``FakeBeeper`` and the CLI all hold
the same ``FakeState`` and call its methods; none keeps state of its own. Each part guards its
own data (the store, the journal, the fault rules and the scripted pages each have a lock, so a
page never sees half a change); this object's lock makes the changes that touch several parts
at once atomic: a new scenario (rules, seed and activity plan together) and the planned
activity that a served page may trigger, which an in-process and a live client can race on.

``errors`` keeps the internal errors the app hit (a bug in the fake, answered with a 500), with
their tracebacks as text, so that a test can fail with the fake's own traceback instead of
blaming the client. Only the first ``MAX_ERRORS`` are kept (the rest are counted): a client that
finds a way to make the fake fail cannot make it hold more memory by doing it again.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from fake_beeper.contract.behaviour import Behaviour
from fake_beeper.contract.spec import MESSAGE_SCHEMA
from fake_beeper.contract.stages import LATEST, Stage, served
from fake_beeper.data.loaded import LoadedChat
from fake_beeper.data.projection import projected
from fake_beeper.defaults import DEFAULT_TOKEN
from fake_beeper.world.activity import Activity
from fake_beeper.world.chat_actions import ChatActions
from fake_beeper.world.conversation import Conversation
from fake_beeper.world.faults import Faults, WalkPages
from fake_beeper.world.journal import Journal
from fake_beeper.world.messages import MessageBook
from fake_beeper.world.scenario import ActivityPlan, Scenario
from fake_beeper.world.scripted import ScriptedPages
from fake_beeper.world.store import ChatStore
from fake_beeper.world.token import check_token
from fake_beeper.world.write_budget import WriteBudget

MAX_ERRORS = 100  # internal errors kept with their tracebacks; later ones are only counted
MAX_ERROR_TEXT = 20_000  # characters of one traceback kept


@dataclass(frozen=True)
class InternalError:
    """An exception the app raised while serving a request (answered with a 500), as text: the
    exception itself would hold its frames, and every object they hold, alive."""

    request: str  # "GET /v1/chats?limit=5"
    kind: str  # the exception's type, "KeyError"
    message: str
    traceback: str

    def __str__(self) -> str:
        return f"{self.request}: {self.kind}: {self.message}\n{self.traceback}"


class Stamp(NamedTuple):
    """What every answer of a read depends on besides the request (``FakeState.stamp``)."""

    chats: int  # the store's version
    messages: int  # the message book's
    behaviour: Behaviour
    token: str


@dataclass(frozen=True, slots=True)
class PageOut:
    """A page on its way out: its body, the cursor it was asked with (``None``: the first page),
    and the cursors it hands out (``FakeState.served_page``)."""

    body: bytes
    asked: str | None
    oldest: str | None
    newest: str | None


class FakeState:
    """The chats and their messages (and the user's writes to them), the token, the journal,
    faults, walk pages, scripted pages, the activity plan and the internal errors of one fake."""

    def __init__(self, store: ChatStore, *, token: str = DEFAULT_TOKEN, journal: Journal | None = None,
                 scenario: Scenario | None = None, stage: Stage = LATEST,
                 messages: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
                 generated_messages: bool = True) -> None:
        """``stage``: the stage of the API served; ``store`` holds its chats in that stage's shape
        already (``build_state`` makes both agree), and ``messages`` (some chats' messages, as a
        fixture gave them; ``MessageBook``) are in it too."""
        self._lock = threading.Lock()
        self._stage = stage  # fixed for the fake's life, as its chats' shape is
        self.store = store
        self.messages = MessageBook(store, stage=stage, given=messages, generated=generated_messages)
        budget = WriteBudget()  # one for every write of this fake
        self.conversation = Conversation(store, self.messages, stage, budget=budget)
        self.chat_actions = ChatActions(store, self.messages, self.conversation, stage, budget=budget)
        self.journal = journal if journal is not None else Journal()
        self.faults = Faults()
        self.walks = WalkPages()
        self.scripted = ScriptedPages()
        self._token = check_token(token)
        self._activity = Activity(store, stage=stage)
        self._plan: ActivityPlan | None = None
        self._pages_since_change = 0
        self._errors: list[InternalError] = []
        self._errors_not_kept = 0
        self.behaviour = Behaviour()  # where the contract is silent; a scenario may set it
        self.apply_scenario(scenario)

    @property
    def stage(self) -> Stage:
        """The stage of the API served; read-only: the store's chats have its shape."""
        return self._stage

    # -- the token ------------------------------------------------------------------------------

    @property
    def token(self) -> str:
        return self._token

    @token.setter
    def token(self, value: str) -> None:
        """A new accepted token (checked: only what a bearer header can carry); the old one gets 401."""
        self._token = check_token(value)

    # -- scenario: faults and activity -------------------------------------------------------------

    @property
    def activity(self) -> Activity:
        """Live changes of the store, drawn from the current scenario's seed."""
        return self._activity

    @property
    def activity_plan(self) -> ActivityPlan | None:
        return self._plan

    def apply_scenario(self, scenario: Scenario | None) -> None:
        """Replace the fault rules, the activity plan and the behaviour together, counted afresh
        (``None``: no faults, no activity, the default behaviour)."""
        scenario = scenario or Scenario()
        activity = Activity(self.store, seed=scenario.seed, stage=self._stage)
        if scenario.activity is not None:
            activity.warm_up()  # the word pools, picked now rather than on a request
        with self._lock:
            self.faults.replace(list(scenario.rules), scenario.seed)
            self.conversation.plan = scenario.sends
            self._activity = activity
            self._plan = scenario.activity
            self._pages_since_change = 0
            self.behaviour = scenario.behaviour

    def settle(self) -> None:
        """Before a request is served: the sends whose delay has passed end (``conversation.py``)."""
        self.conversation.settle()

    def stamp(self) -> Stamp:
        """What every answer of a read depends on besides the request: the chats' and the
        messages' versions, the behaviour and the token. Equal stamps: the same answers."""
        return Stamp(self.store.version, self.messages.version, self.behaviour, self._token)

    def served_page(self, page: PageOut) -> None:
        """What serving a page does besides its bytes: its cursors noted for faults by page, and
        the page counted for live activity (after every ``activity.every``-th, one random change
        of the plan's)."""
        self.walks.issued(self.walks.page_of(page.asked), page.oldest, page.newest)
        with self._lock:
            if self._plan is None:
                return
            self._pages_since_change += 1
            if self._pages_since_change < self._plan.every:
                return
            self._pages_since_change = 0
            self._activity.random_event(self._plan.events)

    # -- internal errors -------------------------------------------------------------------------

    def record_error(self, request: str, exception: BaseException) -> None:
        with self._lock:
            if len(self._errors) >= MAX_ERRORS:
                self._errors_not_kept += 1
                return
        text = "".join(traceback.format_exception(exception))[-MAX_ERROR_TEXT:]
        error = InternalError(request[:500], type(exception).__name__, str(exception)[:500], text)
        with self._lock:
            self._errors.append(error)

    @property
    def errors(self) -> list[InternalError]:
        """The internal errors kept so far (the first ``MAX_ERRORS``), oldest first."""
        with self._lock:
            return list(self._errors)

    @property
    def errors_not_kept(self) -> int:
        """How many internal errors came after the first ``MAX_ERRORS``, counted only."""
        return self._errors_not_kept

    def take_errors(self) -> tuple[list[InternalError], int]:
        """The internal errors kept so far and how many more were only counted; then forget them."""
        with self._lock:
            errors, self._errors = self._errors, []
            more, self._errors_not_kept = self._errors_not_kept, 0
            return errors, more


def build_state(chats: Iterable[LoadedChat], accounts: Sequence[Mapping[str, Any]] = (), *, source: Stage = LATEST,
                stage: Stage | None = None, token: str = DEFAULT_TOKEN, journal: Journal | None = None,
                scenario: Scenario | None = None, messages: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
                generated_messages: bool = True) -> FakeState:
    """One fake's state over a world: ``chats``, ``accounts`` and ``messages`` (some chats',
    as a fixture gave them) of stage ``source`` (the newest, unless a recording of an older
    server), served as ``stage`` or, if none is asked for, as the data's own (``stages.served``:
    which pairs can be); without ``generated_messages`` the chats without given messages have
    their ``preview`` alone. The one way the CLI, ``FakeBeeper`` and the pytest plugin build a fake."""
    shown_as = served(stage, source)
    store = ChatStore(projected(chats, shown_as, source), accounts, stage=shown_as)
    given = {chat_id: [shown_as.project(dict(message), MESSAGE_SCHEMA) for message in listed]
             for chat_id, listed in (messages or {}).items()} if shown_as is not source else messages
    return FakeState(store, token=token, journal=journal, scenario=scenario, stage=shown_as, messages=given,
                     generated_messages=generated_messages)
