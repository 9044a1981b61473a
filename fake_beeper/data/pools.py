"""Realistic text, picked per seed from word lists drawn once from Faker and shipped as data.

``pools.json`` holds names in fifteen locales, sentences, group names, words, domains and user
names, drawn with Faker by ``tools/draw_pools.py`` (``make pools``) and committed. A seed picks
fixed-size pools from those lists once, and each chat then picks from the pools with its own
``random.Random``, so chats stay independent of each other (chat *i* depends only on the seed
and *i*) and cheap to make. Pool sizes do not depend on the chat count, so the first N chats of a
larger dataset are the N chats of a smaller one.

Why not run Faker here: it is not needed at run time, so it is not a dependency of the package
(it would bring its own pytest plugin into every pytest run of every user, and an exact pin into
their environment), a seed's chats are byte-identical whatever Faker a user has installed, and
the pools of a seed take about 2 ms (and reading the lists, once, about 5 ms), not the second
that fifteen seeded Fakers took.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import orjson

# Locales mix scripts on purpose: Latin with diacritics, CJK, and right-to-left (ar, he, fa).
NAME_LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_MX", "pt_BR", "tr_TR", "ru_RU",
                "hi_IN", "ja_JP", "ko_KR", "zh_CN", "ar_AA", "he_IL", "fa_IR")
RTL_LOCALES = ("ar_AA", "he_IL", "fa_IR")
EMOJI = ("😀", "😂", "🥲", "😍", "🤔", "🎉", "🔥", "👍", "❤️", "🙏", "🚀", "🍕", "☕", "🏳️‍🌈",
         "👨‍👩‍👧‍👦", "🇹🇷", "🇯🇵", "✨", "💯", "🤝")
REACTION_SHORTCODES = ("smiling-face", "thumbs-up", "party-popper", "eyes", "100")
_NAMES_PER_LOCALE = 120
_SENTENCES = 600
_GROUP_NAMES = 300
_RTL_GROUP_NAMES_PER_LOCALE = 20
_WORDS = 400
_DOMAINS = 100
_USER_NAMES = 600
# How many of each tools/draw_pools.py draws: four times what one seed picks, so that seeds differ;
# for words, the 900 of Faker's en_US list of about 970 (it has no more).
SNAPSHOT_SIZES = {"names": 4 * _NAMES_PER_LOCALE, "sentences": 4 * _SENTENCES, "group_names": 4 * _GROUP_NAMES,
                  "rtl_group_names": 4 * _RTL_GROUP_NAMES_PER_LOCALE, "words": 900,
                  "domains": 4 * _DOMAINS, "user_names": 4 * _USER_NAMES}
_LABEL_NAMES = ("Work", "Family", "Friends", "Clients", "Travel", "Finance", "Important",
                "Later", "Newsletters", "Hobbies")
SNAPSHOT = "pools.json"


@dataclass(frozen=True)
class Pools:
    names: dict[str, tuple[str, ...]]  # locale -> full names
    sentences: tuple[str, ...]
    group_names: tuple[str, ...]
    rtl_group_names: tuple[str, ...]
    words: tuple[str, ...]
    domains: tuple[str, ...]
    user_names: tuple[str, ...]
    labels: tuple[tuple[str, str], ...]  # (id, name)


@cache
def snapshot() -> dict[str, Any]:
    """The word lists of ``pools.json``."""
    lists: dict[str, Any] = orjson.loads(resources.files("fake_beeper.data").joinpath(SNAPSHOT).read_bytes())
    return lists


@cache
def pools(seed: int) -> Pools:
    """The pools of ``seed``: the same every run and on every machine. Cached per process."""
    lists = snapshot()
    rng = random.Random(f"pools {seed}")

    def pick(values: list[str], count: int) -> tuple[str, ...]:
        return tuple(rng.sample(values, count))

    label_count = 4 + seed % 5
    return Pools(
        names={locale: pick(lists["names"][locale], _NAMES_PER_LOCALE) for locale in NAME_LOCALES},
        sentences=pick(lists["sentences"], _SENTENCES),
        group_names=pick(lists["group_names"], _GROUP_NAMES),
        rtl_group_names=tuple(name for locale in RTL_LOCALES
                              for name in pick(lists["rtl_group_names"][locale], _RTL_GROUP_NAMES_PER_LOCALE)),
        words=pick(lists["words"], _WORDS),
        domains=pick(lists["domains"], _DOMAINS),
        user_names=pick(lists["user_names"], _USER_NAMES),
        labels=tuple((f"lbl_{i + 1}", name) for i, name in enumerate(_LABEL_NAMES[:label_count])),
    )
