"""Shared fixtures: the default dataset, a store over it, and in-process and live apps."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from fake_beeper.data import load_chats
from fake_beeper.data.loaded import LoadedChat
from fake_beeper.fake import IN_PROCESS_URL
from fake_beeper.http.app import DEFAULT_TOKEN, create_app
from fake_beeper.http.server import LiveServer
from fake_beeper.http.transport import InProcessTransport
from fake_beeper.world.store import ChatStore

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}


@pytest.fixture(scope="session")
def default_chats() -> list[LoadedChat]:
    return load_chats()


@pytest.fixture(scope="session")
def default_store(default_chats: list[LoadedChat]) -> ChatStore:
    return ChatStore(default_chats)


@pytest.fixture(scope="session")
def client(default_store: ChatStore) -> Iterator[httpx.Client]:
    """The app in-process over the default data; requests need ``headers=AUTH``."""
    transport = InProcessTransport(create_app(default_store))
    with httpx.Client(transport=transport, base_url=IN_PROCESS_URL) as in_process:
        yield in_process


@pytest.fixture(scope="session")
def live_server(default_store: ChatStore) -> Iterator[LiveServer]:
    """The app on a free loopback port, for real HTTP clients."""
    with LiveServer(create_app(default_store)) as server:
        yield server
