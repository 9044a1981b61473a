"""Draw the word lists that generated chats pick from (``make pools``), with Faker.

The generator does not run Faker: it picks from ``fake_beeper/data/pools.json``, drawn once here
from Faker's locales and committed. So the package does not depend on Faker (nor does its pytest
plugin slow down every pytest run of its users), and a seed gives byte-identical chats whatever
Faker a user has installed. Each list is several times larger than what one seed uses, so that
different seeds pick different names and words (see ``fake_beeper.data.pools``).

    python tools/draw_pools.py fake_beeper/data/pools.json
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import orjson
from faker import Faker

from fake_beeper.data.pools import EMOJI, NAME_LOCALES, RTL_LOCALES, SNAPSHOT_SIZES

SEED = 20261124


def draw() -> dict[str, object]:
    fakers = {}
    for locale in NAME_LOCALES:
        faker = Faker(locale)
        faker.seed_instance(SEED)
        fakers[locale] = faker
    en = fakers["en_US"]
    sizes = SNAPSHOT_SIZES
    return {
        "faker": __import__("faker").VERSION,
        "names": {locale: _unique(faker.name, sizes["names"]) for locale, faker in fakers.items()},
        "sentences": _unique(lambda: en.sentence(nb_words=en.random_int(3, 18)), sizes["sentences"]),
        "group_names": _unique(lambda: _group_name(en), sizes["group_names"]),
        "rtl_group_names": {locale: _unique(lambda f=fakers[locale]: f"{f.city()} {f.last_name()}",
                                            sizes["rtl_group_names"]) for locale in RTL_LOCALES},
        "words": _unique(en.word, sizes["words"]),
        "domains": _unique(en.domain_name, sizes["domains"]),
        "user_names": _unique(en.user_name, sizes["user_names"]),
    }


def _unique(make: Callable[[], str], count: int) -> list[str]:
    """``count`` distinct values of ``make()``, in the order first drawn."""
    values: dict[str, None] = {}
    for _ in range(100 * count):
        values[make()] = None
        if len(values) == count:
            return list(values)
    raise SystemExit(f"draw_pools: Faker gave only {len(values)} distinct values of {make}; {count} are asked for")


_kinds = iter(range(10**9))


def _group_name(faker: Faker) -> str:
    i = next(_kinds)
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


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "fake_beeper/data/pools.json")
    out.write_bytes(orjson.dumps(draw(), option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE))
    print(f"wrote {out}")
