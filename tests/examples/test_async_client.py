"""The async SDK client in-process, through an httpx.AsyncClient."""

import asyncio

from beeper_desktop_api import AsyncBeeperDesktop

from fake_beeper import FakeBeeper


def test_the_async_client_walks_every_chat(fake_beeper: FakeBeeper) -> None:
    async def walk() -> list[str]:
        async with AsyncBeeperDesktop(base_url=fake_beeper.base_url, access_token=fake_beeper.token,
                                      http_client=fake_beeper.async_http_client()) as client:
            return [chat.id async for chat in client.chats.list(limit=200)]

    assert asyncio.run(walk()) == fake_beeper.ordered_ids()
