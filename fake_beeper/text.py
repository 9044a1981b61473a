"""Text from outside, made safe to print: one line, no control characters, a bounded length.

A server ``check`` or ``record`` reads, a fixture file or a request can put anything in a string:
escape sequences that clear the terminal or recolour it, a carriage return or newline that forges
a second line, a bidirectional override that reorders what is shown, or 35 MB in one value.
Everything printed that came from outside passes through ``shown``.
"""

from __future__ import annotations

import unicodedata

SHOWN_LENGTH = 200  # characters of an outside value in a message, at most


def shown(text: str, limit: int = SHOWN_LENGTH) -> str:
    """``text`` on one line, each control or format character written as an escape
    (``\\x1b``, ``\\n``, ``\\u202e``), cut to ``limit`` characters with ``…`` after."""
    cut = len(text) > limit
    text = text[:limit]
    if not text.isprintable():
        text = "".join(char if char.isprintable() or char == " " else _escaped(char) for char in text)
    return f"{text}…" if cut else text


def _escaped(char: str) -> str:
    code = ord(char)
    if char in "\n\r\t":
        return repr(char)[1:-1]
    if code < 0x100:
        return f"\\x{code:02x}"
    if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"):
        return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
    return char
