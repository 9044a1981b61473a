"""The replacements ``fake-beeper record`` writes: one function per kind of string (``x-anonymise``).

Every replacement is drawn from a ``random.Random`` seeded by a keyed hash (BLAKE2b) of the
kind and the original string. So it is deterministic (the same key and source give the same
output), consistent (a string is replaced the same way wherever it appears) and, without the
key, says nothing of the original: with a known key, anyone could hash a guessed phone number
and compare, which is why the key is random unless ``--seed`` is given.

* ``identifier``: each identifying part (a run of letters and digits) is replaced on its own by
  one of the same length and kinds of character, so ``@15550101002:local-whatsapp.localhost``
  and ``!whatsapp_15550101002:ba_….local-whatsapp.localhost`` stay the same person, a phone
  number stays digits and a UUID stays hex. Parts that name no one are kept (``STRUCTURAL``: the
  networks, ``local``, ``localhost``, ``ba``, URL schemes, file extensions and the like).
* ``name``: a name from the generator's lists in the same script, with as many words and a
  length close to the original's; a script the lists lack gets letters of its own script.
* ``text``: each word becomes a generated word of the same script and length (English words for
  Latin script), numbers other digits, emoji other emoji; spacing, punctuation and HTML tags
  stay, with tag attributes (links, mentions) replaced as identifiers.
* ``title``: the name's pseudonym when the title is someone's name (a single chat's title is
  the other person's name), else ``text``.
* ``sort_key``: replaced keeping the order of all the recording's sort keys.

No replacement contains a ``Secrets`` string (anything identifying the recording replaced), and
two different names or identifier parts never get the same replacement.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import math
import random
import re
import string
import unicodedata
from collections.abc import Callable, Iterable

import ahocorasick_rs

from fake_beeper.data.networks import NETWORKS
from fake_beeper.record.scripts import (
    LATIN,
    dominant_script,
    emoji_count,
    is_emoji_part,
    match_case,
    names_by_script,
    random_emoji,
    same_script_letter,
    words_by_length,
)

MIN_SECRET_LENGTH = 6  # shorter strings are too common to scan for without false alarms
ATTEMPTS = 64  # draws of one kind before a replacement tries another (see Pseudonyms._unique)

_NETWORK_SLUGS = frozenset(network.slug for network in NETWORKS) | {
    "facebookgo", "gchat", "googlechat", "hungryserv", "imessagego", "matrix", "sms", "twitter", "x"}
# Parts of IDs, URLs and paths that name no one.
STRUCTURAL = _NETWORK_SLUGS | frozenset({
    "local", "localhost", "beeper", "com", "org", "net", "io", "ba", "sh", "sdk", "go", "merged", "room",
    "mxc", "http", "https", "file", "data", "base64", "www", "matrix", "to",
    "users", "home", "library", "application", "support", "beepertexts", "media", "tmp", "drafts",
    "favicon", "ico", "image", "video", "audio", "jpg", "jpeg", "png", "gif", "webp", "heic", "mp4", "mov",
    "webm", "ogg", "oga", "opus", "m4a", "mp3", "wav", "pdf", "txt", "zip", "svg",
})
_ALNUM = re.compile(r"[^\W_]+")
_TEXT_PIECES = re.compile(r"<[^<>]*>|&#?\w+;|[^\W_]+|\s+|.", re.DOTALL)
_TAG_ATTRIBUTE = re.compile(r"""(\s[\w:-]+\s*=\s*)(?:"([^"]*)"|'([^']*)')""")
_HEX_LOWER = frozenset("0123456789abcdef")
_HEX_UPPER = frozenset("0123456789ABCDEF")


def is_structural(part: str) -> bool:
    lower = part.lower()
    return lower in STRUCTURAL or (lower.endswith("go") and lower[:-2] in _NETWORK_SLUGS)


def identifying_parts(value: str) -> list[str]:
    """The parts of an identifier that ``Pseudonyms.identifier`` replaces."""
    return [part for part in _ALNUM.findall(value) if not is_structural(part)]


class Secrets:
    """The identifying strings of a recording, searched for in any text (case-insensitively)."""

    def __init__(self, strings: Iterable[str]) -> None:
        self._strings = sorted({text.lower() for text in strings
                                if len(text) >= MIN_SECRET_LENGTH and "\x00" not in text})
        self._automaton = ahocorasick_rs.AhoCorasick(self._strings) if self._strings else None
        self._dropped: set[int] = set()  # secrets no longer searched for (``drop_kept``)

    def __len__(self) -> int:
        return len(self._strings) - len(self._dropped)

    def found_in(self, text: str) -> list[str]:
        """The secrets ``text`` contains."""
        if self._automaton is None:
            return []
        # Overlapping: a dropped secret ("محمدرضا") must not hide a longer one it starts.
        matches = self._automaton.find_matches_as_indexes(text.lower(), overlapping=True)
        return [self._strings[index] for index, _, _ in matches if index not in self._dropped]

    def drop_kept(self, vocabulary: Iterable[str], *, within: Iterable[str] = ()) -> None:
        """Stop searching for what the output keeps anyway: any part of a ``vocabulary`` string
        (a key, an enum value, a network's name: a chat titled "WhatsApp" cannot hide that
        WhatsApp exists), and any shorter part of a string ``within`` a kept field (a reaction
        ID ends in its reaction key). A secret equal to a kept field's value is not dropped: an
        identifying field wrongly kept still stops the recording. (Matches are filtered rather
        than the automaton built again: at 250,000 secrets it is 80 MB.)"""
        if self._automaton is None:
            return
        for text, proper in itertools.chain(((text, False) for text in vocabulary), ((text, True) for text in within)):
            lower = text.lower()
            for index, _, _ in self._automaton.find_matches_as_indexes(lower, overlapping=True):
                if not proper or self._strings[index] != lower:
                    self._dropped.add(index)


class Pseudonyms:
    """The replacements of one recording (see the module's docstring)."""

    def __init__(self, key: bytes, secrets: Secrets, *, names: Iterable[str] = (),
                 sort_keys: Iterable[str] = ()) -> None:
        self._key = hashlib.blake2b(key).digest()  # any length of key, as BLAKE2b's 64-byte key
        self._secrets = secrets
        self._known_names = frozenset(names)
        self._parts: dict[str, str] = {}
        self._names: dict[str, str] = {}
        self._texts: dict[str, str] = {}
        self._taken: set[str] = set()  # every part and name handed out: no two originals share one
        self._sort_keys = self._order_preserving(set(sort_keys))
        # Words that are secrets themselves (a label called "Travel", a message that says
        # "Thanks") are never drawn: a long text would otherwise hold one in most draws.
        self._english = {length: clean for length, words in words_by_length().items()
                         if (clean := tuple(word for word in words if self._clean(word)))}

    def _rng(self, *parts: object) -> random.Random:
        digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), key=self._key).digest()
        return random.Random(digest)

    def _clean(self, candidate: str) -> bool:
        return not self._secrets.found_in(candidate)

    # -- identifiers ---------------------------------------------------------------------------

    def identifier(self, value: str) -> str:
        return _ALNUM.sub(lambda match: self.part(match.group()), value)

    def part(self, part: str) -> str:
        """One identifying part's replacement: the same length and kinds of character."""
        if is_structural(part):
            return part
        replaced = self._parts.get(part)
        if replaced is None:
            replaced = self._parts[part] = self._unique("part", part, lambda rng: _scramble(part, rng))
        return replaced

    def _unique(self, kind: str, original: str, draw: Callable[[random.Random], str]) -> str:
        """A draw that no other original got, names no network and holds no secret.

        After ``ATTEMPTS`` draws, the original's letters scrambled instead (a pool of names can
        be full of secrets when the source drew from the same lists), and after each further
        ``ATTEMPTS`` one character longer (a space of 9 one-digit parts can run out).
        """
        attempt = 0
        while True:
            rng = self._rng(kind, original, attempt)
            if attempt < ATTEMPTS:
                candidate = draw(rng)
            else:
                grow = attempt // ATTEMPTS - 1
                candidate = _scramble(original, rng) + _scramble(original, rng)[:grow]
            if candidate not in self._taken and not is_structural(candidate) and self._clean(candidate):
                self._taken.add(candidate)
                return candidate
            attempt += 1

    # -- names, titles, texts ------------------------------------------------------------------

    def name(self, value: str) -> str:
        replaced = self._names.get(value)
        if replaced is None:
            script = dominant_script(value)
            if script is None:  # no letters: emoji, digits, punctuation
                replaced = self._names[value] = self.text(value)
                return replaced
            replaced = self._unique("name", value, lambda rng: _name(value, script, rng))
            self._names[value] = replaced
        return replaced

    def title(self, value: str) -> str:
        return self.name(value) if value in self._known_names else self.text(value)

    def text(self, value: str) -> str:
        replaced = self._texts.get(value)
        if replaced is None:
            for attempt in range(ATTEMPTS):
                replaced = self._words(value, self._rng("text", value, attempt))
                if self._clean(replaced):
                    break
            else:  # pragma: no cover (a text whose every draw holds a secret: letters, not words)
                replaced = _scramble(value, self._rng("text", value))
            self._texts[value] = replaced
        return replaced

    def _words(self, value: str, rng: random.Random) -> str:
        out: list[str] = []
        emoji: list[str] = []
        for piece in _TEXT_PIECES.findall(value):
            if len(piece) == 1 and is_emoji_part(piece):
                emoji.append(piece)
                continue
            if emoji:
                out.append(random_emoji(rng, emoji_count("".join(emoji))))
                emoji.clear()
            if piece.startswith("<") and piece.endswith(">") and len(piece) > 1:
                out.append(_TAG_ATTRIBUTE.sub(lambda m: self._attribute(m), piece))
            elif piece.startswith("&") and piece.endswith(";") and len(piece) > 2:
                out.append(piece)  # an HTML entity
            elif _ALNUM.fullmatch(piece):
                out.append(self._word(piece, rng))
            else:
                out.append(piece)
        if emoji:
            out.append(random_emoji(rng, emoji_count("".join(emoji))))
        return "".join(out)

    def _word(self, word: str, rng: random.Random) -> str:
        """A word of the same script and length: an English word for a Latin one, if there is one."""
        if word.isalpha() and (word.isascii() or dominant_script(word) == LATIN):
            choices = self._english.get(len(word))
            if choices:
                return match_case(rng.choice(choices), word)
        return _scramble(word, rng)

    def _attribute(self, match: re.Match[str]) -> str:
        quote = '"' if match.group(2) is not None else "'"
        value = match.group(2) if match.group(2) is not None else match.group(3)
        return f"{match.group(1)}{quote}{self.identifier(value)}{quote}"

    # -- sort keys -----------------------------------------------------------------------------

    def sort_key(self, value: str) -> str:
        return self._sort_keys[value]

    def _order_preserving(self, originals: set[str]) -> dict[str, str]:
        """New keys for ``originals`` in the same order: numeric order when all are digits (as
        ``"455171049984"`` is), else code-point order (``"aaaa1"``)."""
        if not originals:
            return {}
        numeric = all(key.isascii() and key.isdigit() for key in originals)
        if numeric:
            ordered = sorted(originals, key=lambda key: (len(key.lstrip("0")), key.lstrip("0"), key))
            width = max(len(key) for key in originals)
            while 9 * 10 ** (width - 1) < 4 * len(ordered):
                width += 1
            low, high = 10 ** (width - 1), 10**width
        else:
            ordered = sorted(originals)
            width = max(6, math.ceil(math.log(64 * len(ordered), 26)))
            low, high = 0, 26**width
        rng = self._rng("sort keys")
        values = sorted(rng.sample(range(low, high), len(ordered)))
        write = str if numeric else functools.partial(_base26, width=width)
        keys = [write(value) for value in values]
        for index, key in enumerate(keys):
            # A key with a secret in it (a 6-digit local chat ID inside 12 random digits is
            # likely among thousands) is drawn again between its neighbours.
            below = values[index - 1] + 1 if index else low
            above = values[index + 1] if index + 1 < len(values) else high
            while not self._clean(key) and above - below > 1:
                values[index] = rng.randrange(below, above)
                key = keys[index] = write(values[index])
        return dict(zip(ordered, keys, strict=True))


def _base26(value: int, *, width: int) -> str:
    letters = []
    for _ in range(width):
        value, digit = divmod(value, 26)
        letters.append(string.ascii_lowercase[digit])
    return "".join(reversed(letters))


def _scramble(text: str, rng: random.Random) -> str:
    """Each letter a random one of its script and case, each digit another (a leading non-zero
    digit stays non-zero), hex stays hex; everything else as it is."""
    hex_alphabet = None
    if len(text) >= 8 and any(char.isdigit() for char in text) and not text.isdigit():
        if set(text) <= _HEX_LOWER:
            hex_alphabet = "0123456789abcdef"
        elif set(text) <= _HEX_UPPER:
            hex_alphabet = "0123456789ABCDEF"
    out = []
    for position, char in enumerate(text):
        if hex_alphabet is not None:
            out.append(rng.choice(hex_alphabet))
        elif char.isdigit():
            zero = ord(char) - unicodedata.digit(char, 0)
            low = 1 if position == 0 and char != chr(zero) and len(text) > 1 else 0
            out.append(chr(zero + rng.randrange(low, 10)))
        else:
            out.append(same_script_letter(char, rng))
    return "".join(out)




@functools.cache
def _names_with_words(script: str, count: int) -> tuple[str, ...]:
    return tuple(name for name in names_by_script().get(script, ()) if len(name.split()) == count)


def _name(value: str, script: str, rng: random.Random) -> str:
    """A name in ``script`` with as many words as ``value`` has (its emoji and digits replaced in place)."""
    words = value.split()
    lettered = [word for word in words if any(char.isalpha() for char in word)]
    pool = names_by_script().get(script, ())
    fits = _names_with_words(script, len(lettered))
    if fits:
        # Of a few random names of the right number of words, the closest in length.
        target = len(" ".join(lettered))
        new = min(rng.sample(fits, min(8, len(fits))), key=lambda name: abs(len(name) - target)).split()
    elif pool:
        new = [rng.choice(rng.choice(pool).split()) for _ in lettered]
    else:
        new = [_scramble(word, rng) for word in lettered]
    replaced = iter(new)
    out = []
    for word in words:
        if any(char.isalpha() for char in word):
            fresh = next(replaced)
            out.append(match_case(fresh, word) if word.islower() or (word.isupper() and len(word) > 1) else fresh)
        else:
            out.append(_scramble_symbols(word, rng))
    return " ".join(out)


def _scramble_symbols(word: str, rng: random.Random) -> str:
    """Emoji to other emoji, digits to other digits; punctuation as it is."""
    out: list[str] = []
    run: list[str] = []
    for char in word:
        if is_emoji_part(char):
            run.append(char)
            continue
        if run:
            out.append(random_emoji(rng, emoji_count("".join(run))))
            run.clear()
        out.append(_scramble(char, rng))
    if run:
        out.append(random_emoji(rng, emoji_count("".join(run))))
    return "".join(out)
