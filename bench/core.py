"""Core figures of the fake: generation throughput, load time and memory, request cost vs depth.

    python bench/core.py --count 100000

Each figure is measured here, on this machine, and printed as JSON. Loading runs in a fresh
subprocess so that its resident memory is the fake's alone. Request latency is measured over
real HTTP (loopback) against a live server while walking all chats with limit=200.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from fake_beeper.app import DEFAULT_TOKEN, create_app
from fake_beeper.data import generate_chats, load_chats
from fake_beeper.data.files import write_chats
from fake_beeper.server import LiveServer
from fake_beeper.store import ChatStore

_LOAD_PROBE = """
import json, sys, time
def rss_mib():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
import fake_beeper.app, fake_beeper.store, fake_beeper.data
before = rss_mib()
start = time.perf_counter()
store = fake_beeper.store.ChatStore(fake_beeper.data.load_chats(sys.argv[1]))
elapsed = time.perf_counter() - start
print(json.dumps({"chats": len(store), "load_seconds": elapsed, "rss_before_mib": before, "rss_after_mib": rss_mib()}))
"""


def measure_generation(count: int, path: Path) -> dict[str, float]:
    start = time.perf_counter()
    written = write_chats(generate_chats(1, count), path, overwrite=True)
    elapsed = time.perf_counter() - start
    return {"chats": written, "seconds": elapsed, "chats_per_second": written / elapsed,
            "file_mib": path.stat().st_size / 2**20}


def measure_load(path: Path) -> dict[str, float]:
    output = subprocess.run([sys.executable, "-c", _LOAD_PROBE, str(path)], check=True, capture_output=True, text=True)
    result = json.loads(output.stdout)
    result["rss_per_chat_kib"] = (result["rss_after_mib"] - result["rss_before_mib"]) * 1024 / result["chats"]
    return result


def measure_walk(path: Path, limit: int) -> dict[str, float]:
    store = ChatStore(load_chats(path))
    headers = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
    timings: list[float] = []
    with LiveServer(create_app(store)) as server, httpx.Client(base_url=server.url, headers=headers) as client:
        params: dict[str, object] = {"limit": limit}
        client.get("/v1/chats", params=params)  # warm the connection
        seen = 0
        while True:
            start = time.perf_counter()
            page = client.get("/v1/chats", params=params).json()
            timings.append(time.perf_counter() - start)
            seen += len(page["items"])
            if not page["hasMore"]:
                break
            params = {"limit": limit, "cursor": page["oldestCursor"]}
    assert seen == len(store)
    first, last = timings[:20], timings[-20:]
    return {"pages": len(timings), "limit": limit, "first_20_pages_median_ms": statistics.median(first) * 1000,
            "last_20_pages_median_ms": statistics.median(last) * 1000,
            "deep_over_first": statistics.median(last) / statistics.median(first)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "chats.jsonl"
        results = {"generation": measure_generation(args.count, path), "load": measure_load(path)}
        results["walk_limit_200"] = measure_walk(path, 200)
        results["walk_limit_25"] = measure_walk(path, 25)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
