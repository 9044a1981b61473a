"""fake-beeper: a fake Beeper Desktop API (``GET /v1/chats``) for tests and local development.

The flow: ``openapi.yaml`` (``spec``) → chats generated or loaded and validated (``data``) →
ordered and paged (``store``) → served over HTTP (``app``, ``server``) → the ``cli``, and for
tests ``FakeBeeper`` (``fake``), the pytest plugin and response ``strategies``.

    from fake_beeper import ChatStore, create_app, load_chats
    app = create_app(ChatStore(load_chats(seed=1, count=1000)), token="secret")
"""

from fake_beeper.app import DEFAULT_TOKEN, create_app
from fake_beeper.data import FixtureError, generate_chats, load_chats
from fake_beeper.data.build import chat
from fake_beeper.fake import FakeBeeper
from fake_beeper.journal import Journal, RecordedRequest
from fake_beeper.server import LiveServer
from fake_beeper.store import ChatStore

__all__ = ["DEFAULT_TOKEN", "ChatStore", "FakeBeeper", "FixtureError", "Journal", "LiveServer", "RecordedRequest",
           "chat", "create_app", "generate_chats", "load_chats"]
