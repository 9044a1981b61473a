"""The other direction: clients against every response the contract allows.

Pages come from ``fake_beeper.strategies`` (drawn from ``openapi.yaml``) and are served by the
in-process fake with ``serve_pages``; Hypothesis shrinks a failure to the smallest page.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from beeper_desktop_api import BeeperDesktop
from hypothesis import HealthCheck, Phase, given, settings

from fake_beeper import FakeBeeper
from fake_beeper.contract import spec
from fake_beeper.strategies import chat_pages, page_walks

# Each example replaces the scripted pages, so one fake serves all of a test's examples.
EXAMPLES = settings(max_examples=60, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def fake() -> Any:
    with FakeBeeper(chats=[]) as fake:
        yield fake


@EXAMPLES
@given(page=chat_pages())
def test_every_generated_page_keeps_to_the_contract(page: dict[str, Any]) -> None:
    errors = [f"{list(e.instance_path)}: {e.message}" for e in spec.validator("ListChatsResponse").iter_errors(page)]
    assert not errors, errors


@EXAMPLES
@given(walk=page_walks(max_pages=3))
def test_the_strict_python_sdk_accepts_every_page_and_follows_every_walk(fake: FakeBeeper,
                                                                         walk: list[dict[str, Any]]) -> None:
    fake.serve_pages(*walk)
    fake.journal.clear()
    client = BeeperDesktop(base_url=fake.base_url, access_token=fake.token, http_client=fake.http_client(),
                           max_retries=0, _strict_response_validation=True)

    chats = list(client.chats.list())

    assert [chat.id for chat in chats] == [chat["id"] for page in walk for chat in page["items"]]
    assert len(fake.journal) == len(walk), "the SDK should ask for each page of the walk once and stop"
    assert [r.param("cursor") for r in fake.journal] == [None] + [page["oldestCursor"] for page in walk[:-1]]


def latest_messages(http: httpx.Client) -> list[str]:
    """A deliberately naive client: it assumes every chat has a ``preview`` with ``text``."""
    page = http.get("/v1/chats").json()
    return [f"{chat['title']}: {chat['preview']['text']}" for chat in page["items"]]


def test_a_naive_client_is_caught_and_shown_the_smallest_page_that_breaks_it(fake: FakeBeeper) -> None:
    http = fake.http_client()

    # Hypothesis's explain phase (which replays the shrunk page with each part varied, to comment on
    # which parts matter) is left out: on these pages it took 25 s of a 26 s run, and adds nothing
    # the shrunk page does not show. Without it the demo takes under a second.
    @settings(max_examples=200, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink])
    @given(page=chat_pages())
    def check(page: dict[str, Any]) -> None:
        fake.serve_pages(page)
        latest_messages(http)

    with pytest.raises(KeyError) as caught:
        check()

    assert caught.value.args[0] in ("preview", "text")
    # The report shows the page, shrunk to a single chat: the one without a preview (or text).
    notes = [note for note in getattr(caught.value, "__notes__", []) if note.startswith("chat_pages() drew:")]
    assert len(notes) == 1 and notes[0].count("'id':") == 1, notes
