"""fake-beeper: a fake Beeper Desktop API (chats, messages, sends) for tests and local development.

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

    from fake_beeper.data import FixtureError as FixtureError
    from fake_beeper.data import generate_chats as generate_chats
    from fake_beeper.data import load_chats as load_chats
    from fake_beeper.data.build import chat as chat
    from fake_beeper.data.loaded import LoadedChat as LoadedChat
    from fake_beeper.defaults import DEFAULT_TOKEN as DEFAULT_TOKEN
    from fake_beeper.errors import FakeBeeperError as FakeBeeperError
    from fake_beeper.errors import UsageError as UsageError
    from fake_beeper.fake import FakeBeeper as FakeBeeper
    from fake_beeper.fake import FakeBeeperServerError as FakeBeeperServerError
    from fake_beeper.http.app import create_app as create_app
    from fake_beeper.http.server import LiveServer as LiveServer
    from fake_beeper.world.journal import Journal as Journal
    from fake_beeper.world.journal import RecordedRequest as RecordedRequest
    from fake_beeper.world.scenario import ScenarioError as ScenarioError
    from fake_beeper.world.state import FakeState as FakeState
    from fake_beeper.world.store import ChatStore as ChatStore

# What each module lends the package (the imports above say the same to type checkers; a test
# holds the two together).
_EXPORTS = {
    "fake_beeper.data": ("FixtureError", "generate_chats", "load_chats"),
    "fake_beeper.data.build": ("chat",),
    "fake_beeper.data.loaded": ("LoadedChat",),
    "fake_beeper.defaults": ("DEFAULT_TOKEN",),
    "fake_beeper.errors": ("FakeBeeperError", "UsageError"),
    "fake_beeper.fake": ("FakeBeeper", "FakeBeeperServerError"),
    "fake_beeper.http.app": ("create_app",),
    "fake_beeper.http.server": ("LiveServer",),
    "fake_beeper.world.journal": ("Journal", "RecordedRequest"),
    "fake_beeper.world.scenario": ("ScenarioError",),
    "fake_beeper.world.state": ("FakeState",),
    "fake_beeper.world.store": ("ChatStore",),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'fake_beeper' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(_WHERE[name]), name)
    globals()[name] = value
    return value
