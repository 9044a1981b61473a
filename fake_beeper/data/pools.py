"""Realistic text drawn from Faker once per seed, then picked from per chat.

Reseeding Faker for every chat costs about 140 µs a call, which would make a million chats take
an hour; drawing fixed-size pools once and picking from them with a per-chat ``random.Random``
keeps chats independent of each other (chat *i* depends only on the seed and *i*) at a small
fraction of the cost. Pool sizes do not depend on the chat count, so the first N chats of a
larger dataset are the N chats of a smaller one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from faker import Faker

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
_LABEL_NAMES = ("Work", "Family", "Friends", "Clients", "Travel", "Finance", "Important",
                "Later", "Newsletters", "Hobbies")


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
def pools(seed: int) -> Pools:
    """Draw every pool for ``seed``. Cached: the generator asks for it once per chat."""
    fakers = {}
    for locale in NAME_LOCALES:
        faker = Faker(locale)
        faker.seed_instance(seed)
        fakers[locale] = faker
    en = fakers["en_US"]
    names = {loc: tuple(f.name() for _ in range(_NAMES_PER_LOCALE)) for loc, f in fakers.items()}
    group_names = tuple(
        _group_name(en, i) for i in range(_GROUP_NAMES)
    )
    rtl_group_names = tuple(fakers[loc].city() + " " + fakers[loc].last_name()
                            for loc in RTL_LOCALES for _ in range(20))
    label_count = 4 + seed % 5
    return Pools(
        names=names,
        sentences=tuple(en.sentence(nb_words=en.random_int(3, 18)) for _ in range(_SENTENCES)),
        group_names=group_names,
        rtl_group_names=rtl_group_names,
        words=tuple(en.words(nb=400, unique=True)),
        domains=tuple(en.domain_name() for _ in range(100)),
        user_names=tuple(en.unique.user_name() for _ in range(600)),
        labels=tuple((f"lbl_{i + 1}", name) for i, name in enumerate(_LABEL_NAMES[:label_count])),
    )


def _group_name(faker: Faker, i: int) -> str:
    kind = i % 5
    if kind == 0:
        return f"{faker.company()} team"
    if kind == 1:
        return f"{faker.last_name()} family {EMOJI[i % len(EMOJI)]}"
    if kind == 2:
        return faker.catch_phrase()
    if kind == 3:
        return f"{faker.city()} {faker.word()} club"
    return f"{faker.first_name()}'s {faker.word()} chat"
