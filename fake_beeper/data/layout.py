"""Where a served world's chats lie in memory: in the order pages read them.

A page of ``GET /v1/chats`` joins the JSON of consecutive chats of the list. Loaded from a file
in another order (``generate`` writes chats by index, a user's file in any order), each chat's
JSON lies wherever the file put it, and a page never asked before reads 25 places far apart
in memory: on the bench's virtual machine that is most of its cost (a chat just read costs
0.03-0.17 µs to look up, one far away 1.6-2.1 µs, and its JSON is read at about 0.5 GB/s). Laid
out in list order, a page reads one stretch of memory. The server does this once, before it
serves (``serve``); a ``FakeBeeper`` in a test keeps its chats as they came.
"""

from __future__ import annotations

import ctypes

from fake_beeper.data.loaded import LoadedChat, list_order

# Up to this many chats, a world is laid out in list order: about 0.4 s per 100,000 chats, and
# twice their JSON in memory meanwhile. Beyond it, the server would start seconds later (``serve``
# of a million chats has 15 s): a larger world keeps the order it came in.
LAID_OUT_MAX = 250_000


def in_list_order(chats: list[LoadedChat]) -> list[LoadedChat]:
    """``chats`` in list order, each a fresh copy made in that order, so that consecutive chats of
    the list lie next to each other in memory; ``chats`` themselves when they are in list order
    already (as ``record`` and the dataset cache keep them) or more than ``LAID_OUT_MAX``.

    The caller drops the old chats, then calls ``release_free_memory``: their JSON is garbage then."""
    if len(chats) > LAID_OUT_MAX:
        return chats
    ordered = sorted(chats, key=list_order)
    if all(a is b for a, b in zip(ordered, chats, strict=True)):
        return chats
    # The ID too, which a page's lookup reads (its hash): str(chat.id) and bytes(chat.body) would
    # hand back the same objects, where they lie now.
    return [LoadedChat(_copy(chat.id), chat.account_id, chat.last_activity, bytes(memoryview(chat.body)))
            for chat in ordered]


def _copy(text: str) -> str:
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "surrogatepass")


def release_free_memory() -> None:
    """Hand the memory that freed objects leave inside the heap back to the system, where the C
    library can (glibc's ``malloc_trim``); elsewhere the process keeps it for later objects."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):  # no such function (macOS, musl), or no CDLL(None) (Windows)
        return
    trim(0)
