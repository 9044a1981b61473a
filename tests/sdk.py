"""The official Python SDK on a fake, in process, as the tests of writes drive it."""

from __future__ import annotations

from beeper_desktop_api import BeeperDesktop

from fake_beeper import FakeBeeper


def strict_sdk(fake: FakeBeeper, *, max_retries: int = 0) -> BeeperDesktop:
    """The SDK with strict response validation (a reply of the wrong shape fails the test) and,
    unless asked, no retries (an error is seen once, as the fake sent it)."""
    return BeeperDesktop(base_url=fake.base_url, access_token=fake.token, http_client=fake.http_client(),
                         max_retries=max_retries, _strict_response_validation=True)
