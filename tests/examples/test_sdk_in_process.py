"""Point the official Python SDK at the in-process fake: no port, no Beeper app, no account."""

from beeper_desktop_api import BeeperDesktop

from fake_beeper import FakeBeeper


def test_the_sdk_pages_through_every_chat(fake_beeper: FakeBeeper) -> None:
    client = BeeperDesktop(base_url=fake_beeper.base_url, access_token=fake_beeper.token,
                           http_client=fake_beeper.http_client())

    chat_ids = [chat.id for chat in client.chats.list(limit=100)]

    # The default dataset: 400 chats, most recent activity first; auto-pagination ends.
    assert chat_ids == fake_beeper.ordered_ids()
    assert len(chat_ids) == 400
    assert len(fake_beeper.journal.to("/v1/chats")) == 4  # 100 chats a page


def test_a_plain_httpx_client_works_too(fake_beeper: FakeBeeper) -> None:
    with fake_beeper.http_client() as http:  # already authenticated
        page = http.get("/v1/chats", params={"limit": 2}).json()

    assert [chat["id"] for chat in page["items"]] == fake_beeper.ordered_ids()[:2]
    assert page["hasMore"] is True
