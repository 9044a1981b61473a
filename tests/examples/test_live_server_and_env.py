"""A live fake on a free loopback port, with the SDKs' environment variables set for the test."""

import httpx
from beeper_desktop_api import BeeperDesktop

from fake_beeper import FakeBeeper


def app_code_that_reads_its_config_from_the_environment() -> list[str]:
    client = BeeperDesktop()  # BEEPER_BASE_URL and BEEPER_ACCESS_TOKEN, as in production
    return [chat.title for chat in client.chats.list(limit=5).items]


def test_unchanged_code_talks_to_the_fake(fake_beeper_env: FakeBeeper) -> None:
    titles = app_code_that_reads_its_config_from_the_environment()

    assert len(titles) == 5
    assert fake_beeper_env.journal.last.path == "/v1/chats"


def test_any_http_client_can_reach_the_live_server(fake_beeper_server: FakeBeeper) -> None:
    assert fake_beeper_server.base_url.startswith("http://127.0.0.1:")
    response = httpx.get(f"{fake_beeper_server.base_url}/v1/chats",
                         headers={"Authorization": f"Bearer {fake_beeper_server.token}"})
    assert response.status_code == 200
    assert len(response.json()["items"]) == 25  # the contract's default limit
