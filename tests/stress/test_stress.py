"""Stress (``make stress``, not ``make test``): long fuzzing and a bounded load test, on loopback.

* Schemathesis negative data against a live fake, at least 5,000 cases: no 5xx, no response
  outside the contract (every built-in check on, configured as in schemathesis.toml).
* 50 concurrent clients walking pages for 30 s while another thread changes chats: no unexpected
  status, no chat twice in a walk, no chat lost that did not move, and the server's memory flat.

Both stop by themselves and print their figures.
"""

from __future__ import annotations

import asyncio
import copy
import random
import statistics
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import schemathesis

from fake_beeper.check.schema import without_unsendable_queries
from fake_beeper.contract import spec

pytestmark = pytest.mark.stress
ROOT = Path(__file__).resolve().parents[2]
FUZZ_CASES = 5_000
CLIENTS, SECONDS = 50, 30
STATUSES: list[int] = []


def fuzz_schema() -> schemathesis.BaseSchema:
    settings = tomllib.loads((ROOT / "schemathesis.toml").read_text())
    settings["generation"].update({"mode": "negative", "max-examples": FUZZ_CASES})
    settings["phases"] = {"examples": {"enabled": False}, "coverage": {"enabled": False},
                          "stateful": {"enabled": False}}
    schema = without_unsendable_queries(schemathesis.openapi.from_dict(copy.deepcopy(spec.spec()),
                                                                 config=schemathesis.Config.from_dict(settings)))

    @schema.hook
    def after_call(context: Any, case: Any, response: Any) -> None:
        STATUSES.append(response.status_code)

    return schema


schema = fuzz_schema()


@pytest.fixture(scope="module")
def server() -> Any:
    """The fake as users run it: the CLI, in its own process, on a free loopback port."""
    process = subprocess.Popen([sys.executable, "-m", "fake_beeper.cli", "serve", "--port", "0", "--seed", "9",
                                "--count", "2000", "--token", "stress", "--quiet"], stdout=subprocess.PIPE, text=True)
    banner = [process.stdout.readline() for _ in range(3)] if process.stdout else []
    url = banner[2].split("BEEPER_BASE_URL=", 1)[1].split()[0]
    yield url, process.pid
    process.terminate()
    process.wait(10)


@schema.auth()
class Token:
    def get(self, case: Any, context: Any) -> str:
        return "stress"

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schema.parametrize()
def test_negative_fuzzing_finds_no_5xx_and_no_nonconforming_response(case: schemathesis.Case, server: Any) -> None:
    case.call_and_validate(base_url=server[0])


def test_the_fuzzing_ran_its_cases() -> None:
    server_errors = [s for s in STATUSES if s >= 500]
    print(f"\nfuzzing: {len(STATUSES)} requests, statuses {sorted(set(STATUSES))}, 5xx: {len(server_errors)}")
    assert len(STATUSES) >= FUZZ_CASES
    assert server_errors == []


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def test_fifty_clients_walk_for_thirty_seconds_while_chats_change(server: Any) -> None:
    url, pid = server
    result = asyncio.run(load(url, pid))
    print(f"\nload: {result['requests']} requests in {SECONDS} s by {CLIENTS} clients "
          f"({result['requests'] / SECONDS:.0f}/s), {result['walks']} complete walks, {result['changes']} changes, "
          f"p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms; server RSS {result['rss'][0]:.0f} MiB "
          f"after warm-up -> {result['rss'][-1]:.0f} MiB at the end (max {max(result['rss']):.0f})")
    assert result["problems"] == [], result["problems"][:5]
    assert result["walks"] > CLIENTS
    assert result["rss"][-1] <= result["rss"][0] * 1.10 + 8, "the server's memory grew"


async def load(url: str, pid: int) -> dict[str, Any]:
    headers = {"Authorization": "Bearer stress"}
    limits = httpx.Limits(max_connections=CLIENTS + 2, max_keepalive_connections=CLIENTS + 2)
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=10) as http:
        first = await http.get("/v1/chats", params={"limit": 200})
        present: set[str] = set()
        cursor: str | None = None
        while True:  # the starting set, walked once before the load
            params: dict[str, Any] = {"limit": 200, **({"cursor": cursor} if cursor else {})}
            page = orjson.loads((await http.get("/v1/chats", params=params)).content)
            present |= {c["id"] for c in page["items"]}
            if not page["hasMore"]:
                break
            cursor = page["oldestCursor"]
        assert first.status_code == 200
        state: dict[str, Any] = {"present": present, "changed": [], "requests": 0, "walks": 0, "problems": [],
                                 "latencies": [], "rss": []}
        deadline = time.monotonic() + SECONDS
        tasks = [walker(http, state, deadline, random.Random(n)) for n in range(CLIENTS)]
        changes = asyncio.to_thread(changer, url, state, deadline)
        await asyncio.gather(changes, memory(pid, state, deadline), *tasks)
    latencies = sorted(state["latencies"])
    return {**state, "changes": len(state["changed"]), "p50_ms": statistics.median(latencies) * 1000,
            "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000}


def changer(url: str, state: dict[str, Any], deadline: float) -> None:
    """A change every 10 ms through the control API (messages, new chats, archives, removals),
    from a thread of its own so that the walkers' event loop cannot starve it."""
    rng = random.Random(1)
    with httpx.Client(base_url=url, timeout=10) as http:
        while time.monotonic() < deadline:
            event = rng.choices(["message", "newChat", "archive", "remove"], [6, 1, 1, 1])[0]
            body: dict[str, Any] = {"event": event}
            if event != "newChat":
                body["chatID"] = rng.choice(sorted(state["present"]))
            changed_at = time.monotonic()
            done = orjson.loads(http.post("/_fake-beeper/activity", json=body).content)
            state["changed"].append((changed_at, done["chatID"]))
            if event == "newChat":
                state["present"].add(done["chatID"])
            elif event == "remove":
                state["present"].discard(done["chatID"])
            time.sleep(0.01)


async def memory(pid: int, state: dict[str, Any], deadline: float) -> None:
    await asyncio.sleep(5)  # after warm-up
    while time.monotonic() < deadline:
        state["rss"].append(rss_mib(pid))
        await asyncio.sleep(1)
    state["rss"].append(rss_mib(pid))


async def walker(http: httpx.AsyncClient, state: dict[str, Any], deadline: float, rng: random.Random) -> None:
    while time.monotonic() < deadline:
        start, at_start = time.monotonic(), set(state["present"])
        limit, cursor, walked = rng.choice([10, 25, 50, 100]), None, []
        while True:
            params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
            sent = time.perf_counter()
            response = await http.get("/v1/chats", params=params)
            state["latencies"].append(time.perf_counter() - sent)
            state["requests"] += 1
            if response.status_code != 200:
                state["problems"].append(f"HTTP {response.status_code} for {params}: {response.text[:200]}")
                return
            page = orjson.loads(response.content)
            walked += [c["id"] for c in page["items"]]
            if not page["hasMore"]:
                break
            cursor = page["oldestCursor"]
        moved = {chat for at, chat in state["changed"] if at >= start - 0.5}
        if len(walked) != len(set(walked)):
            state["problems"].append(f"a chat twice in a walk of limit {limit}")
        lost = at_start - moved - set(walked)
        if lost:
            state["problems"].append(f"{len(lost)} unmoved chats lost in a walk of limit {limit}: {sorted(lost)[:3]}")
        state["walks"] += 1
