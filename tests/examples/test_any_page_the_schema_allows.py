"""Check that your code copes with every page the contract allows, not just the fake's data.

``fake_beeper.strategies`` draws pages from ``openapi.yaml``: empty pages, missing optional
fields, ``null`` where nullable, odd Unicode. ``serve_pages`` makes the fake answer with them,
and Hypothesis shrinks a failure to the smallest page that breaks your code.
"""

from beeper_desktop_api import BeeperDesktop
from hypothesis import HealthCheck, given, settings

from fake_beeper import FakeBeeper
from fake_beeper.strategies import message_walks, page_walks


def unread_badge(client: BeeperDesktop) -> int:
    """Code under test: the total unread count over every chat."""
    return sum(chat.unread_count for chat in client.chats.list())


# The fixture is created once for all examples; that is safe because serve_pages replaces
# whatever the previous example left queued. Drawing a page from the schema takes milliseconds,
# and a busy CI machine makes that slower still: no deadline and no "too slow" health check, so
# the test's outcome never depends on the machine's speed.
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(walk=page_walks(max_pages=3))
def test_the_badge_counts_every_page(fake_beeper: FakeBeeper, walk: list[dict]) -> None:
    fake_beeper.serve_pages(*walk)
    client = BeeperDesktop(base_url=fake_beeper.base_url, access_token=fake_beeper.token,
                           http_client=fake_beeper.http_client(), _strict_response_validation=True)

    assert unread_badge(client) == sum(chat["unreadCount"] for page in walk for chat in page["items"])



def message_texts(client: BeeperDesktop, chat_id: str) -> list[str]:
    """Code under test: a chat's texts, newest first, with a placeholder for media."""
    return [message.text or "[media]" for message in client.messages.list(chat_id)]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(walk=message_walks(max_pages=3))
def test_every_message_page_is_read(fake_beeper: FakeBeeper, walk: list[dict]) -> None:
    fake_beeper.serve_pages(*walk)  # a chat's messages, page after page, as the contract allows them
    client = BeeperDesktop(base_url=fake_beeper.base_url, access_token=fake_beeper.token,
                           http_client=fake_beeper.http_client(), _strict_response_validation=True)

    assert len(message_texts(client, "!any-chat:beeper.local")) == sum(len(page["items"]) for page in walk)
