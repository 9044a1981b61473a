"""The bench's datasets: generated once into bench/data/ (ignored by git) and reused."""

from __future__ import annotations

import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import quote

import orjson

from fake_beeper.data import generate_chats
from fake_beeper.data.files import write_chats
from fake_beeper.timestamps import to_millis

DATA = Path(__file__).resolve().parent / "data"
SEED = 1


def dataset(count: int, workers: int = 2) -> Path:
    """``count`` chats of seed 1 as JSON Lines, generated in ``workers`` ranges if not on disk."""
    path = DATA / f"seed{SEED}-{count}.jsonl"
    if path.exists():
        return path
    DATA.mkdir(exist_ok=True)
    bounds = [count * k // workers for k in range(workers + 1)]
    parts = [path.with_name(f"{path.stem}.part{k}.jsonl") for k in range(workers)]
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_write_range, parts, bounds[:-1], bounds[1:]))
    with path.with_name(path.name + ".partial").open("wb") as out:
        for part in parts:
            with part.open("rb") as chunk:
                shutil.copyfileobj(chunk, out)
            part.unlink()
    path.with_name(path.name + ".partial").replace(path)
    return path


def _write_range(part: Path, first: int, stop: int) -> int:
    return write_chats(generate_chats(SEED, stop - first, first=first), part, overwrite=True)


def generation_throughput(count: int) -> dict[str, float]:
    """Chats per second of one process generating and serialising ``count`` chats."""
    start = time.perf_counter()
    size = sum(len(orjson.dumps(chat)) for chat in generate_chats(SEED + 1, count))
    seconds = time.perf_counter() - start
    return {"chats": count, "seconds": round(seconds, 2), "chats_per_second": round(count / seconds),
            "kib_per_chat": round(size / count / 1024, 2)}


def deep_cursor(path: Path, depth: float) -> str:
    """A plain-millis cursor (a form the fake accepts) at ``depth`` (0..1) of the list order,
    read from the file rather than walked to on the server."""
    millis = []
    with path.open("rb") as lines:
        for line in lines:
            last = orjson.loads(line).get("lastActivity")
            if last:
                millis.append(to_millis(last))
    millis.sort(reverse=True)
    return str(millis[int((len(millis) - 1) * depth)])


def message_urls(path: Path, *, search: bool) -> dict[str, str]:
    """A chat's first page of messages and a page 90% into its history (by the cursor its pager
    would hold there), in the longest history of the file (the first of 10,000 messages or more,
    if any); with ``search``, a message search for a word that about 1% of messages hold
    (counted over the first 200 chats' histories)."""
    from collections import Counter

    from fake_beeper.contract.stages import LATEST
    from fake_beeper.data.history import ChatFacts, History
    from fake_beeper.data.loaded import to_loaded
    from fake_beeper.world.message_search import words_of
    from fake_beeper.world.messages import Timeline

    longest: tuple[int, bytes] | None = None
    holding: Counter[str] = Counter()
    sampled = 0
    with path.open("rb") as lines:
        for number, line in enumerate(lines):
            chat = orjson.loads(line)
            if not chat.get("preview") or chat.get("merge"):
                continue
            history = History(ChatFacts.of(chat))
            if longest is None or len(history) > longest[0]:
                longest = (len(history), line.strip())
            if search and number < 200:
                for position in range(history.generated):
                    holding.update(set(words_of(history.essentials(position).text or "")))
                    sampled += 1
            if longest[0] >= 10_000 and number >= 200:
                break
    if longest is None:
        return {}
    chat = orjson.loads(longest[1])
    timeline = Timeline(to_loaded(chat, longest[1]), LATEST)
    messages = f"/v1/chats/{quote(chat['id'], safe='!$&()*+,;=:@')}/messages"
    deep = timeline.cursor(len(timeline) // 10)  # 90% of the way from the newest message
    urls = {MESSAGES_FIRST: messages, MESSAGES_DEEP: f"{messages}?cursor={quote(deep, safe='')}"}
    if search and holding:
        word = min(holding, key=lambda found: abs(holding[found] / sampled - 0.01))
        urls[f"message search: a word in {holding[word] / sampled:.1%} of messages"] = \
            f"/v1/messages/search?query={quote(word)}"
    return urls


MESSAGES_FIRST = "messages: first page"
MESSAGES_DEEP = "messages: deep page (90% in, by cursor)"
