"""Letters by writing system, for replacements that keep a string's script.

A Hebrew name must become a Hebrew name and an emoji-only title stay emoji. Python's
``unicodedata`` has no script property, but a letter's Unicode name begins with its script
(``HEBREW LETTER ALEF``, ``CJK UNIFIED IDEOGRAPH-4E00``, ``LATIN SMALL LETTER A``), which is
close enough to tell the scripts people write names in apart.
"""

from __future__ import annotations

import functools
import random
import string
import unicodedata
from collections import Counter

from fake_beeper.data.pools import EMOJI, snapshot

LATIN = "LATIN"
# Marks that join or modify an emoji rather than stand alone: zero-width joiner, variation
# selector 16, the keycap mark, skin tones, and the tag characters of subdivision flags.
_EMOJI_JOINERS = frozenset("\u200d\ufe0f\u20e3") | frozenset(map(chr, range(0x1F3FB, 0x1F400))) \
    | frozenset(map(chr, range(0xE0020, 0xE0080)))


@functools.cache
def script_of(char: str) -> str | None:
    """``LATIN``, ``HEBREW``, ``CJK``… for a letter; ``None`` for anything else."""
    if not char.isalpha():
        return None
    return unicodedata.name(char, "").partition(" ")[0] or None


def dominant_script(text: str) -> str | None:
    """The script most of ``text``'s letters are in (``None``: no letters at all)."""
    scripts = Counter(script for char in text if (script := script_of(char)) is not None)
    return scripts.most_common(1)[0][0] if scripts else None


def is_emoji_part(char: str) -> bool:
    """True for an emoji (a pictographic symbol) or a character that joins or modifies one."""
    return char in _EMOJI_JOINERS or unicodedata.category(char) == "So"


def emoji_count(run: str) -> int:
    """How many emoji a run of emoji characters shows (a joined family counts once)."""
    count, joined = 0, False
    for char in run:
        if unicodedata.category(char) == "So" and not joined:
            count += 1
        joined = char == "\u200d"
    return max(count, 1)


def random_emoji(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(EMOJI) for _ in range(count))


@functools.cache
def names_by_script() -> dict[str, tuple[str, ...]]:
    """Every name of the generator's word lists (fifteen locales), by its script."""
    grouped: dict[str, list[str]] = {}
    for names in snapshot()["names"].values():
        for name in names:
            script = dominant_script(name)
            if script is not None:
                grouped.setdefault(script, []).append(name)
    return {script: tuple(sorted(set(names))) for script, names in sorted(grouped.items())}


@functools.cache
def words_by_length() -> dict[int, tuple[str, ...]]:
    """The generator's English words, by length."""
    grouped: dict[int, list[str]] = {}
    for word in snapshot()["words"]:
        if word.isalpha() and word.isascii():
            grouped.setdefault(len(word), []).append(word.lower())
    return {length: tuple(sorted(set(words))) for length, words in sorted(grouped.items())}


@functools.cache
def alphabet(script: str, case: str) -> str:
    """Letters of ``script`` in ``case`` (``lower``, ``upper`` or ``none``), to draw from.

    Latin draws from a-z; a script the name lists cover, from the letters its names use (common
    letters, not archaic ones); any other script, from every letter Unicode gives it.
    """
    if script == LATIN:
        return string.ascii_uppercase if case == "upper" else string.ascii_lowercase
    letters = {char for name in names_by_script().get(script, ()) for char in name if script_of(char) == script}
    if not letters:
        letters = {char for code in range(0x30000) if script_of(char := chr(code)) == script}
    chosen = sorted(char for char in letters if _case(char) == case) or sorted(letters)
    return "".join(chosen)


def _case(char: str) -> str:
    return "upper" if char.isupper() else "lower" if char.islower() else "none"


def same_script_letter(char: str, rng: random.Random) -> str:
    """A random letter of ``char``'s script and case (``char`` itself if it is no letter)."""
    script = script_of(char)
    if script is None:
        return char
    return rng.choice(alphabet(script, _case(char)))


def match_case(word: str, like: str) -> str:
    """``word`` in the case pattern of ``like``: UPPER, Capitalised or lower."""
    if like.isupper() and len(like) > 1:
        return word.upper()
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    if like.islower():
        return word.lower()
    return word
