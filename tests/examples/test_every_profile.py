"""Test your client against every stage of the API it may meet: one test, one run per profile.

``profile="every"`` runs the test under ``4.1``, ``js-4.2.3``, ``4.2``, ``5.0`` and ``6.0``, each a
test ID of its own, so pytest's output is your client's compatibility matrix. Here the client is
the strict Python SDK 6.0.0, and the runs it cannot survive are marked as the expected failures
they are (``version-history.md`` §5.3 predicts them; docs/profiles.md's matrix shows them measured).
"""

import pytest
from beeper_desktop_api import APIResponseValidationError, BeeperDesktop

from fake_beeper import FakeBeeper

# What strict 6.0.0 rejects: a null title (js-4.2.3), a chat without network (4.2).
BREAKS_6_0_0 = {"js-4.2.3": "title", "4.2": "network"}


def my_client_lists_every_chat(fake: FakeBeeper) -> int:
    client = BeeperDesktop(base_url=fake.base_url, access_token=fake.token, http_client=fake.http_client(),
                           _strict_response_validation=True, max_retries=0)
    return sum(1 for _ in client.chats.list())


@pytest.mark.fake_beeper(profile="every")
def test_my_client_on_every_profile(fake_beeper: FakeBeeper) -> None:
    if fake_beeper.profile in BREAKS_6_0_0:
        with pytest.raises(APIResponseValidationError, match="invalid for expected schema"):
            my_client_lists_every_chat(fake_beeper)
        return
    assert my_client_lists_every_chat(fake_beeper) == 400


@pytest.mark.fake_beeper(profile="4.2")
def test_one_older_profile(fake_beeper: FakeBeeper) -> None:
    chats = fake_beeper.http_client().get("/v1/chats").json()["items"]
    assert chats and all("network" not in chat for chat in chats)  # 4.2 had no network
