"""make bench: the fake's speed side by side with Prism, Steady, nginx and its own earlier self, and
its cost as data grows.

    python bench/run.py [--seconds 4] [--rounds 3] [--connections 20] [--sizes 1000,100000,1000000]

Everything runs on this machine, on loopback, one load at a time, and stops by itself; results go
to bench/results/bench-<time>.json and a Markdown table on stdout. Ratios are of figures measured
in the same run, never against numbers from elsewhere.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from beeper_desktop_api import BeeperDesktop

sys.path.insert(0, str(Path(__file__).resolve().parent))
from datasets import DATA, MESSAGES_DEEP, MESSAGES_FIRST, dataset, deep_cursor, generation_throughput, message_urls
from load import LoadResult, wrk
from report import RESULTS, markdown
from servers import (
    LOGS,
    ROOT,
    TOKEN,
    baseline_tree,
    fake_command,
    free_port,
    nginx_command,
    nginx_static,
    prism_command,
    running,
    steady_command,
)
from userside import fixture_costs, generated_startup, pytest_startup

FIRST = "first page (limit 25)"
WALK_SECONDS = 1  # at 6,000 pages a second, walker 20 (35 chats a page) covers 10.5k chats in a round
SEARCH_SIZES = 100_000  # search, retrieve and accounts are measured on datasets up to this size


BASELINE = "f1928ff"  # the fake as it was when issue 26 was filed: what "today's" speed meant
CONNECTIONS = (1, 20, 50)
FAKE, NGINX, STEADY_Q = "fake", "nginx (static file)", "steady -q"


def compare_servers(seconds: float, rounds: int) -> dict[str, Any]:
    """The same first page (default data, default limit) from every server, at each of
    ``CONNECTIONS``, ``rounds`` times in turn: req/s and the server's CPU per request side by side."""
    port = free_port()
    with running("fake_for_nginx", fake_command(port, None), port) as reference:
        body = httpx.get(f"{reference.url}/v1/chats", headers={"Authorization": f"Bearer {TOKEN}"}).content
    with ExitStack() as stack:
        tree = stack.enter_context(baseline_tree(BASELINE))
        prefix, nginx = stack.enter_context(nginx_static(body))
        commands: dict[str, tuple[Callable[[int], list[str]], Path]] = {
            FAKE: (lambda port: fake_command(port, None), ROOT),
            "fake with its access log": (lambda port: fake_command(port, None, quiet=False), ROOT),
            "prism": (prism_command, ROOT),
            "prism -v error": (lambda port: prism_command(port, quiet=True), ROOT),
            "steady": (steady_command, ROOT),
            STEADY_Q: (lambda port: steady_command(port, quiet=True), ROOT),
            NGINX: (lambda port: nginx_command(prefix, nginx, port), ROOT),
        }
        if tree is not None:
            commands[f"fake at {BASELINE}"] = (lambda port: fake_command(port, None), tree)
        servers = {}
        for name, (command, cwd) in commands.items():
            port = free_port()
            servers[name] = stack.enter_context(running(name.replace(" ", "_"), command(port), port, cwd=cwd))
        runs: dict[str, dict[int, list[LoadResult]]] = {name: {c: [] for c in CONNECTIONS} for name in servers}
        for _ in range(rounds):
            for connections in CONNECTIONS:
                for name, server in servers.items():
                    runs[name][connections].append(wrk(f"{server.url}/v1/chats", token=TOKEN, connections=connections,
                                                       seconds=seconds, cpu=server.cpu_seconds))
    return {
        "bytes": len(body),
        "runs": {name: {str(c): [r.as_json() for r in results] for c, results in by_c.items()}
                 for name, by_c in runs.items()},
        "fake_over": {other: {str(c): ratios(runs[FAKE][c], runs[other][c]) for c in CONNECTIONS}
                      for other in servers if other != FAKE},
        "startup_seconds": {name: round(server.startup_seconds, 3) for name, server in servers.items()},
    }


def ratios(fake: list[LoadResult], other: list[LoadResult]) -> dict[str, Any]:
    """The fake against another server, round by round: req/s over req/s, and CPU per request
    the other way round (the other's over the fake's), so that above 1 means the fake is ahead."""
    rps = [round(f.rps / o.rps, 2) for f, o in zip(fake, other, strict=True)]
    cpu = [round(o.cpu_us / f.cpu_us, 2) for f, o in zip(fake, other, strict=True)
           if f.cpu_us is not None and o.cpu_us is not None]
    return {"rps_per_round": rps, "rps_median": round(statistics.median(rps), 2),
            "cpu_per_round": cpu, "cpu_median": round(statistics.median(cpu), 2) if cpu else None}


def uncached(seconds: float, rounds: int, connections: int = 20) -> dict[str, Any] | None:
    """Requests that never repeat: ``connections`` walkers over 100k chats on the fake and on the
    fake at ``BASELINE``, in turn, in twice ``rounds`` rounds, the two taking turns at going first
    (a round's ratio then does not lean on which ran first, and the median rests on more of
    them: over three rounds of 2 s, four runs of much the same code gave 1.27 to 1.42). Walker ``i``
    asks ``limit=16+i`` (pages the size of the default 25, on average), and round ``r`` of ``n``
    starts ``r/n`` of the way down the list: no round asks what another asked, so nothing any
    server answered before is asked again. A round lasts at most ``WALK_SECONDS``: the last one
    starts five sixths down the list, and no walker may reach its end (it would start over, and
    ask again what it asked; such repeats are counted)."""
    seconds = min(seconds, WALK_SECONDS)
    rounds *= 2
    path = dataset(100_000)
    starts = [None, *(deep_cursor(path, round_ / rounds) for round_ in range(1, rounds))]
    with ExitStack() as stack:
        tree = stack.enter_context(baseline_tree(BASELINE))
        if tree is None:
            return None
        servers = {}
        for name, cwd in ((FAKE, ROOT), (f"fake at {BASELINE}", tree)):
            port = free_port()
            servers[name] = stack.enter_context(running(f"walk_{name.replace(' ', '_')}", fake_command(port, path),
                                                        port, cwd=cwd))
        runs: dict[str, list[LoadResult]] = {name: [] for name in servers}
        turns = list(servers.items())
        for round_, start in enumerate(starts):
            for name, server in turns if round_ % 2 == 0 else turns[::-1]:
                runs[name].append(wrk(f"{server.url}/v1/chats", token=TOKEN, connections=connections, seconds=seconds,
                                      cpu=server.cpu_seconds, walk_first_limit=16, walk_start=start))
    return {"chats": 100_000, "connections": connections, "baseline": BASELINE, "seconds": seconds,
            "order": "alternating", "runs": {name: [r.as_json() for r in results] for name, results in runs.items()},
            "repeats": sum(r.repeats for results in runs.values() for r in results),
            "fake_over_baseline": ratios(runs[FAKE], runs[f"fake at {BASELINE}"])}


def workloads_by_size(sizes: list[int], seconds: float, rounds: int, connections: int) -> dict[str, Any]:
    """The four workloads on the fake over each dataset, with its load time and memory.

    Each workload runs under load (``connections``, ``rounds`` times) and alone (one connection,
    where the p50 is the request's cost rather than queueing; 3 x ``rounds`` one-second rounds);
    a ratio to the first page is taken within each round, and the median over rounds is reported.
    """
    baseline = rss_of_empty_fake()
    by_size: dict[str, Any] = {}
    for count in sizes:
        path = dataset(count)
        account = json.loads(path.open("rb").readline())["accountID"]
        urls = {FIRST: "/v1/chats",
                "full page (limit 200)": "/v1/chats?limit=200",
                "deep page (90% in, by cursor)": f"/v1/chats?cursor={deep_cursor(path, 0.9)}",
                "accountIDs page": f"/v1/chats?accountIDs={account}"}
        if count <= SEARCH_SIZES:
            urls.update(neighbourhood_urls(path))
        urls.update(message_urls(path, search=count <= SEARCH_SIZES))
        loaded: dict[str, list[LoadResult]] = {name: [] for name in urls}
        alone: dict[str, list[LoadResult]] = {name: [] for name in urls}
        port = free_port()
        index_seconds, rss_searched = None, None
        with running(f"fake_{count}", fake_command(port, path), port) as server:
            rss = server.rss_mib()
            if count <= SEARCH_SIZES:  # the first search builds the search index: timed on its own
                started = time.perf_counter()
                httpx.get(f"{server.url}/v1/chats/search?limit=1", headers={"Authorization": f"Bearer {TOKEN}"},
                          timeout=120).raise_for_status()
                index_seconds = round(time.perf_counter() - started, 2)
                rss_searched = server.rss_mib()
            for _ in range(rounds):
                for name, url in urls.items():
                    loaded[name].append(wrk(server.url + url, token=TOKEN, connections=connections, seconds=seconds))
                    drained(server.url)
            # Many short interleaved rounds: a stall of this shared VM then spoils one ratio of
            # many instead of a whole workload's figure (seen: 0.96 and 1.27 for the same page).
            for _ in range(rounds * 3):
                for name, url in urls.items():
                    alone[name].append(wrk(server.url + url, token=TOKEN, connections=1, seconds=1))
                    drained(server.url)
        reported = re.search(r"loaded in ([0-9.]+)s", (LOGS / f"fake_{count}.log").read_text())
        by_size[str(count)] = {
            "load_seconds": float(reported.group(1)) if reported else None,  # as the server reports it
            "spawn_to_first_response_seconds": round(server.startup_seconds, 2),
            "rss_mib": round(rss, 1),
            "rss_per_chat_kib": round((rss - baseline) * 1024 / count, 2),
            "first_search_seconds": index_seconds,
            "search_index_kib_per_chat": round((rss_searched - rss) * 1024 / count, 2) if rss_searched else None,
            "under_load": {name: [r.as_json() for r in runs] for name, runs in loaded.items()},
            "one_connection": {name: [r.as_json() for r in runs] for name, runs in alone.items()},
            "p50_over_first_page": {
                name: round(statistics.median(r.p50_ms / f.p50_ms for r, f in zip(runs, alone[FIRST], strict=True)), 2)
                for name, runs in alone.items()},
            "bytes_per_response": {name: round(runs[0].bytes / runs[0].requests) for name, runs in alone.items()},
        }
    return by_size


def checked_while_serving(count: int) -> dict[str, Any]:
    """``serve --check-while-serving`` over ``count`` chats: the first response, then the check's
    verdict (the line the server prints, polled for), and the server's memory meanwhile (the
    check is a process of its own)."""
    path = dataset(count)
    port = free_port()
    name = f"fake_checked_{count}"
    with running(name, [*fake_command(port, path), "--check-while-serving"], port) as server:
        rss = server.rss_mib()
        deadline = time.perf_counter() + 600
        verdict = None
        while verdict is None and time.perf_counter() < deadline:
            verdict = re.search(r"keeps the contract \(checked while serving, in ([0-9.]+) s\)|error: (.*)",
                                (LOGS / f"{name}.log").read_text())
            time.sleep(0.1)
    if verdict is None or verdict.group(2):
        raise RuntimeError(f"bench: the check while serving gave no verdict, or refused the dataset: {verdict}")
    return {"chats": count, "spawn_to_first_response_seconds": round(server.startup_seconds, 2),
            "check_seconds_after_load": float(verdict.group(1)), "rss_mib": round(rss, 1)}


def drained(url: str) -> None:
    """Wait until the server has answered what wrk left queued when it stopped: a search that scans
    100k chats takes 150 ms, and 20 of them still queued would count against the next workload."""
    httpx.get(f"{url}/v1/info", timeout=120).raise_for_status()


def neighbourhood_urls(path: Path) -> dict[str, str]:
    """Search (filters with an index, a query that scans, one that scans everything), one chat,
    and the accounts, over the same dataset."""
    first = json.loads(path.open("rb").readline())
    return {
        "search: type=group (index)": "/v1/chats/search?type=group",
        "search: inbox=primary&unreadOnly=true (index)": "/v1/chats/search?inbox=primary&unreadOnly=true",
        "search: query=ali (scan to 50 matches)": "/v1/chats/search?query=ali",
        "search: query without a match (scans all)": "/v1/chats/search?query=zzqxv",
        "retrieve one chat": "/v1/chats/" + quote(first["id"], safe="!$&'()*+,;=:@"),
        "accounts list": "/v1/accounts",
    }


def rss_of_empty_fake() -> float:
    empty = DATA / "empty.jsonl"
    DATA.mkdir(exist_ok=True)
    empty.write_bytes(b"")
    port = free_port()
    with running("fake_empty", fake_command(port, empty), port) as server:
        return server.rss_mib()


def sdk_walk(count: int, limit: int) -> dict[str, float]:
    """The official Python SDK walking ``count`` chats with auto-pagination, over loopback HTTP;
    beside it the same walk with plain httpx, to show how much of the time is the server's."""
    port = free_port()
    with running(f"fake_sdk_{count}", fake_command(port, dataset(count)), port) as server:
        client = BeeperDesktop(base_url=server.url, access_token=TOKEN, max_retries=0)
        start = time.perf_counter()
        walked = sum(1 for _ in client.chats.list(limit=limit))
        sdk_seconds = time.perf_counter() - start
        start = time.perf_counter()
        raw = raw_walk(server.url, limit)
        raw_seconds = time.perf_counter() - start
    if not walked == raw == count:  # a verdict: it holds under python -O too
        raise RuntimeError(f"bench: the SDK walked {walked} and httpx {raw} of {count} chats")
    return {"chats": count, "limit": limit, "pages": -(-count // limit), "seconds": round(sdk_seconds, 3),
            "plain_httpx_seconds": round(raw_seconds, 3)}


def raw_walk(url: str, limit: int) -> int:
    walked, cursor = 0, None
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        while True:
            page = http.get("/v1/chats", params={"limit": limit, **({"cursor": cursor} if cursor else {})}).json()
            walked += len(page["items"])
            cursor = page["oldestCursor"]
            if not page["hasMore"]:
                return walked


def targets(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The targets, each with whether it is met and the measured figure it was judged on (beside
    its baseline, where it has one in the same run)."""
    checks: dict[str, dict[str, Any]] = {}

    def judge(name: str, met: bool, figure: str = "") -> None:
        checks[name] = {"met": bool(met), "figure": figure}

    servers = report["servers"]
    over = servers["fake_over"]
    runs = servers["runs"]

    def cpu(name: str, connections: int) -> float:
        return float(statistics.median(r["cpu_us"] for r in runs[name][str(connections)]))

    nginx = over[NGINX]["20"]["cpu_median"]
    judge("first page, 20 connections: >= 0.5x nginx serving it as a static file (CPU per request)", nginx >= 0.5,
          f"{nginx}x: fake {cpu(FAKE, 20):.1f} µs, nginx {cpu(NGINX, 20):.1f} µs a request")
    for c in CONNECTIONS:
        steady = over[STEADY_Q][str(c)]["cpu_median"]
        judge(f"first page, {c} connection(s): ahead of Steady -q (CPU per request)", steady > 1,
              f"{steady}x: fake {cpu(FAKE, c):.1f} µs, Steady -q {cpu(STEADY_Q, c):.1f} µs")
    prism = over["prism"]["20"]["rps_median"]
    judge("first page, 20 connections: >= 3x Prism as CI runs it (req/s)", prism >= 3, f"{prism}x")
    quiet_prism = over["prism -v error"]["20"]["rps_median"]
    judge("first page, 20 connections: ahead of Prism -v error (req/s)", quiet_prism > 1, f"{quiet_prism}x")
    # The median round: this shared VM has stalls that can slow one whole round 2x (seen).
    p99 = statistics.median(r["p99_ms"] for r in runs[FAKE]["20"])
    judge("first page: p99 < 10 ms at 20 connections (median round)", p99 < 10, f"{p99:.2f} ms")
    judge("start-up with default data < 1 s", servers["startup_seconds"][FAKE] < 1,
          f"{servers['startup_seconds'][FAKE]} s")
    _data_targets(report, judge)
    _user_targets(report["user_side"], judge)
    return checks


Judge = Callable[..., None]  # judge(name, met, figure="")


def _data_targets(report: dict[str, Any], judge: Judge) -> None:
    """The targets of the workloads over each dataset, of requests never asked twice and of loading."""
    sizes = report["sizes"]
    largest = sizes[max(sizes, key=int)]
    judge(f"deep and filtered p50 within 1.2x of the first page at {max(sizes, key=int)} chats", all(
        v <= 1.2 for k, v in largest["p50_over_first_page"].items()
        if ("deep" in k or "accountIDs" in k) and not k.startswith("messages")))
    ratios = largest["p50_over_first_page"]
    if MESSAGES_FIRST in ratios:
        judge(f"messages: first page p50 within 1.2x of the chats' first page at {max(sizes, key=int)} chats",
              ratios[MESSAGES_FIRST] <= 1.2, f"{ratios[MESSAGES_FIRST]}x")
        deep = round(ratios[MESSAGES_DEEP] / ratios[MESSAGES_FIRST], 2)
        judge("messages: deep page (90% into a 10,000-message chat) p50 within 1.2x of its first page", deep <= 1.2,
              f"{deep}x")
    if "100000" in sizes:
        hundred = sizes["100000"]
        judge("100k chats loaded < 5 s", hundred["load_seconds"] < 5, f"{hundred['load_seconds']} s")
        ratios = hundred["p50_over_first_page"]
        judge("100k: indexed search p50 within 3x of the first list page",
              all(v <= 3 for k, v in ratios.items() if k.endswith("(index)")))
        judge("100k: retrieve p50 within 1.2x of the first list page", ratios["retrieve one chat"] <= 1.2,
              f"{ratios['retrieve one chat']}x")
        judge("100k: first search (builds the index) <= 5 s", hundred["first_search_seconds"] <= 5,
              f"{hundred['first_search_seconds']} s")
        alone = hundred["one_connection"]
        word = next((name for name in alone if name.startswith("message search")), None)
        if word is not None:
            p50 = statistics.median(run["p50_ms"] for run in alone[word])
            judge(f"100k: {word}: p50 <= 50 ms", p50 <= 50, f"{p50:.1f} ms")
    walks = report.get("uncached")
    if walks is not None:
        walked = walks["fake_over_baseline"]["cpu_median"]
        fake_us = statistics.median(r["cpu_us"] for r in walks["runs"][FAKE])
        base_us = statistics.median(r["cpu_us"] for r in walks["runs"][f"fake at {walks['baseline']}"])
        judge(f"URLs never asked twice ({walks['connections']} walkers over 100k chats): >= 1.3x the fake at "
              f"{walks['baseline']} (CPU per request), no URL repeated", walked >= 1.3 and walks["repeats"] == 0,
              f"{walked}x: {fake_us:.1f} µs against {base_us:.1f} µs a request; {walks['repeats']} repeated")
    if "1000000" in sizes:
        million = sizes["1000000"]
        first = million["spawn_to_first_response_seconds"]
        later = report.get("checked_while_serving")
        figure = f"checked first: {first} s (load {million['load_seconds']} s)"
        if later is not None:
            figure += (f"; with --check-while-serving: {later['spawn_to_first_response_seconds']} s, every chat "
                       f"checked {later['check_seconds_after_load']} s after the load")
        judge("1M chats from a file: first response <= 15 s (checked first, or with --check-while-serving)",
              first <= 15 or (later is not None and later["spawn_to_first_response_seconds"] <= 15), figure)
        judge("1M chats from a file: <= 3.1 KiB per chat", million["rss_per_chat_kib"] <= 3.1,
              f"{million['rss_per_chat_kib']} KiB ({million['rss_mib']} MiB)")


def _user_targets(user: dict[str, Any], judge: Judge) -> None:
    """What users of the plugin feel."""
    for label, startup in user["pytest_startup"].items():
        if isinstance(startup, dict):
            judge(f"installed, unused: pytest start-up +<= 0.3 s ({label})", startup["added_seconds"] <= 0.3,
                  f"+{startup['added_seconds']} s")
    fixtures = user["fixtures"]["added_ms"]
    judge("in-process fixture <= 5 ms a test", fixtures["fake_beeper"]["median"] <= 5,
          f"{fixtures['fake_beeper']['median']} ms")
    judge("in-process fixture under profile 4.2 <= 5 ms a test", fixtures["fake_beeper_profile"]["median"] <= 5,
          f"{fixtures['fake_beeper_profile']['median']} ms")
    for live in ("fake_beeper_server", "fake_beeper_env"):
        judge(f"{live} <= 25 ms a test", fixtures[live]["median"] <= 25, f"{fixtures[live]['median']} ms")
    generated = user["generated"]
    judge(f"{generated['chats']:,} generated chats, cached: first response <= 2 s",
          generated["cached_median_seconds"] <= 2, f"{generated['cached_median_seconds']} s")


def reference_seconds() -> float:
    """A fixed pure-Python loop, so absolute figures from machines or days of different speed can
    be scaled: this shared VM's speed was seen to vary by 1.5x within one day."""
    start = time.perf_counter()
    sum(range(30_000_000))
    return round(time.perf_counter() - start, 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=4, help="length of each load run, whole seconds (default 4)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each comparison (default 3)")
    parser.add_argument("--connections", type=int, default=20, help="concurrent connections (default 20)")
    parser.add_argument("--sizes", default="1000,100000,1000000", help="dataset sizes for the fake")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    started = time.time()
    report: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": len(os.sched_getaffinity(0)), "python": platform.python_version(),
                    "node": subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip(),
                    "load generator": "wrk 4.1 -t2 (-t1 for one connection), keep-alive, loopback",
                    "reference_seconds": reference_seconds()},
        "settings": vars(args),
    }
    report["servers"] = compare_servers(args.seconds, args.rounds)
    report["uncached"] = uncached(args.seconds, args.rounds)
    report["sizes"] = workloads_by_size(sizes, args.seconds, args.rounds, args.connections)
    if max(sizes) >= 1_000_000:
        report["checked_while_serving"] = checked_while_serving(max(sizes))
    report["user_side"] = {"pytest_startup": pytest_startup(), "fixtures": fixture_costs(),
                           "generated": generated_startup()}
    report["generation"] = generation_throughput(10_000)
    report["sdk_walk"] = sdk_walk(10_000, 200)
    report["targets"] = targets(report)
    report["bench_seconds"] = round(time.time() - started, 1)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(markdown(report))
    print(f"\nwritten to {out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out} "
          f"in {report['bench_seconds']} s; server logs in {LOGS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
