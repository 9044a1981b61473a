"""Shared fixtures: the default dataset, a store over it, and in-process and live apps."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from fake_beeper.app import DEFAULT_TOKEN, create_app
from fake_beeper.data import LoadedChat, load_chats
from fake_beeper.server import LiveServer
from fake_beeper.store import ChatStore

pytest_plugins = ["pytester"]

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}


@pytest.fixture(scope="session")
def default_chats() -> list[LoadedChat]:
    return load_chats()


@pytest.fixture(scope="session")
def default_store(default_chats: list[LoadedChat]) -> ChatStore:
    return ChatStore(default_chats)


@pytest.fixture(scope="session")
def client(default_store: ChatStore) -> Iterator[TestClient]:
    """The app in-process over the default data; requests need ``headers=AUTH``."""
    with TestClient(create_app(default_store), base_url="http://fake-beeper") as test_client:
        yield test_client


@pytest.fixture(scope="session")
def live_server(default_store: ChatStore) -> Iterator[LiveServer]:
    """The app on a free loopback port, for real HTTP clients."""
    with LiveServer(create_app(default_store)) as server:
        yield server
