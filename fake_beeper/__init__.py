"""fake-beeper: a fake Beeper Desktop API (``GET /v1/chats``) for tests and local development.

The flow: ``openapi.yaml`` (``spec``) → chats generated or loaded and validated (``data``) →
ordered and paged (``store``) → one fake's state (``state``) → served over HTTP (``app``,
``operations``, ``control``, ``server``) → the ``cli``, and for tests ``FakeBeeper`` (``fake``),
the pytest plugin and response ``strategies``.

    from fake_beeper import FakeBeeper
    with FakeBeeper.generated(seed=1, count=1000) as fake:
        ...

Names are imported on first use, so ``import fake_beeper`` (and the pytest plugin's start-up,
and the CLI's signal handling) costs almost nothing.
"""

from __future__ import annotations

# Nothing is imported here until a name is asked for: the command's entry point (``entry``) runs
# after this module, and notes Ctrl-C only from then on. (``typing`` alone costs milliseconds.)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from fake_beeper.app import create_app
    from fake_beeper.data import FixtureError, generate_chats, load_chats
    from fake_beeper.data.build import chat
    from fake_beeper.defaults import DEFAULT_TOKEN
    from fake_beeper.errors import FakeBeeperError, UsageError
    from fake_beeper.fake import FakeBeeper, FakeBeeperServerError
    from fake_beeper.journal import Journal, RecordedRequest
    from fake_beeper.scenario import ScenarioError
    from fake_beeper.server import LiveServer
    from fake_beeper.state import FakeState
    from fake_beeper.store import ChatStore, LoadedChat

_WHERE = {
    "DEFAULT_TOKEN": "fake_beeper.defaults", "ChatStore": "fake_beeper.store", "LoadedChat": "fake_beeper.store",
    "FakeBeeper": "fake_beeper.fake", "FakeBeeperServerError": "fake_beeper.fake",
    "FakeBeeperError": "fake_beeper.errors", "UsageError": "fake_beeper.errors",
    "FakeState": "fake_beeper.state", "FixtureError": "fake_beeper.data", "ScenarioError": "fake_beeper.scenario",
    "Journal": "fake_beeper.journal", "RecordedRequest": "fake_beeper.journal", "LiveServer": "fake_beeper.server",
    "chat": "fake_beeper.data.build", "create_app": "fake_beeper.app", "generate_chats": "fake_beeper.data",
    "load_chats": "fake_beeper.data",
}
__all__ = ["DEFAULT_TOKEN", "ChatStore", "FakeBeeper", "FakeBeeperError", "FakeBeeperServerError", "FakeState",
           "FixtureError", "Journal", "LiveServer", "LoadedChat", "RecordedRequest", "ScenarioError", "UsageError",
           "chat", "create_app", "generate_chats", "load_chats"]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'fake_beeper' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(_WHERE[name]), name)
    globals()[name] = value
    return value
