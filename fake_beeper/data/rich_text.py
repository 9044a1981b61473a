"""A text a client sends, as a message carries it: "Plain text and Markdown are converted to
Beeper rich text with the same rules used by send and edit" (the contract, on ``text``).

Beeper's rich text is the Matrix flavour of HTML that the generated messages carry. The fake
renders CommonMark with markdown-it-py, raw HTML escaped (a client's ``<b>`` is text, not
markup), line breaks kept as ``<br />``; a single paragraph loses its ``<p>``, as Matrix clients
send it. (The exact rules of the real app are not documented: docs/messages.md says so.)
"""

from __future__ import annotations

from functools import cache

from markdown_it import MarkdownIt

_PARAGRAPH_OPEN, _PARAGRAPH_CLOSE = "<p>", "</p>\n"


@cache
def _renderer() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "breaks": True})


def rich_text(text: str) -> str:
    """``text`` (plain or Markdown) as the HTML a message carries: ``**hi**`` → ``<strong>hi</strong>``."""
    html: str = _renderer().render(text)
    inner = html[len(_PARAGRAPH_OPEN):-len(_PARAGRAPH_CLOSE)]
    if html.startswith(_PARAGRAPH_OPEN) and html.endswith(_PARAGRAPH_CLOSE) and _PARAGRAPH_OPEN not in inner:
        return inner
    return html.rstrip("\n")
