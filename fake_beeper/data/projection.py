"""Loaded chats as a stage serves them (``Stage.project``), cached for the many fakes of a test run.

A test suite builds a fake per test, most over one dataset, and projecting costs ~0.1 ms a chat:
projected chats are kept by body and stage. A larger dataset (``serve --profile`` over 200,000
chats) is projected once, past the cache: it would only hold a second copy of the source.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import orjson

from fake_beeper.contract.stages import Stage, served
from fake_beeper.data.loaded import LoadedChat, to_loaded

PROJECTION_CACHE = 32_768


def projected(chats: Iterable[LoadedChat], stage: Stage, source: Stage) -> list[LoadedChat]:
    """Loaded chats of stage ``source`` as stage ``stage`` serves them (``stages.served`` says
    which pairs can be: the same stage, or any from the newest)."""
    served(stage, source)
    if stage is source:
        return list(chats)
    chats = list(chats)
    one = _projected_chat if len(chats) <= PROJECTION_CACHE else _projected_chat.__wrapped__
    return [one(chat.body, stage) for chat in chats]


@lru_cache(maxsize=PROJECTION_CACHE)
def _projected_chat(body: bytes, stage: Stage) -> LoadedChat:
    return to_loaded(stage.project(orjson.loads(body)))
