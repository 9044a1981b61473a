"""The bench's report as Markdown tables: printed by ``bench/run.py`` and rendered into the docs'
Speed page from the newest committed results file (``docs/hooks.py``), never pasted by hand."""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def newest() -> Path:
    """The newest results file (their names sort by time)."""
    return max(RESULTS.glob("bench-*.json"))


def load(path: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(path.read_text())
    return report


def markdown(report: dict[str, Any]) -> str:
    mocks = report["mocks"]
    connections = report["settings"]["connections"]
    lines = [f"| server: first page, {connections} connections | req/s per round | p50 ms (median round) | "
             "p99 ms (median round / worst) | start-up s |", "|---|---|---|---|---|"]
    for name, runs in mocks["runs"].items():
        p99s = [r["p99_ms"] for r in runs]
        lines.append(f"| {name} | {' / '.join(str(round(r['rps'])) for r in runs)} | "
                     f"{statistics.median(r['p50_ms'] for r in runs):.2f} | "
                     f"{statistics.median(p99s):.2f} / {max(p99s):.2f} | {mocks['startup_seconds'][name]} |")
    lines += ["", "| fake ÷ | per round | median |", "|---|---|---|"]
    lines += [f"| {other} | {' / '.join(map(str, r['per_round']))} | **{r['median']}x** |"
              for other, r in mocks["fake_over"].items()]
    lines += ["", f"| chats | workload | req/s ({connections} conn.) | p99 ms ({connections} conn.) | "
              "p50 ms (1 conn.) | p50 ÷ first page | bytes |", "|---|---|---|---|---|---|---|"]
    for count, size in report["sizes"].items():
        for name, runs in size["under_load"].items():
            rps = statistics.median(r["rps"] for r in runs)
            alone_p50 = statistics.median(r["p50_ms"] for r in size["one_connection"][name])
            lines.append(f"| {int(count):,} | {name} | {round(rps)} | {max(r['p99_ms'] for r in runs):.2f} | "
                         f"{alone_p50:.3f} | {size['p50_over_first_page'][name]:.2f} | "
                         f"{size['bytes_per_response'][name]:,} |")
    lines += ["", "| chats | load s (server's own figure) | spawn to first response s | RSS MiB | KiB per chat | "
                  "first search s |", "|---|---|---|---|---|---|"]
    lines += [f"| {int(c):,} | {s['load_seconds']} | {s['spawn_to_first_response_seconds']} | {s['rss_mib']} | "
              f"{s['rss_per_chat_kib']} | {s.get('first_search_seconds')} |" for c, s in report["sizes"].items()]
    user = report["user_side"]
    lines += ["", "| pytest --collect-only, trivial file (median) | pytest alone s | + fake-beeper s | added s |",
              "|---|---|---|---|"]
    lines += [f"| {label} | {s['median_seconds']['pytest alone']} | {s['median_seconds']['pytest + fake-beeper']} | "
              f"**{s['added_seconds']}** |" for label, s in user["pytest_startup"].items() if isinstance(s, dict)]
    fixtures = user["fixtures"]
    lines += ["", f"| fixture ({fixtures['tests']} tests, one request each) | ms added per test, per round | median |",
              "|---|---|---|"]
    lines += [f"| {name} | {' / '.join(map(str, v['per_round']))} | **{v['median']}** |"
              for name, v in fixtures["added_ms"].items()]
    generated = user["generated"]
    lines += ["", f"`serve --seed 1 --count {generated['chats']:,}`: first response after "
                  f"{generated['cold_seconds']} s cold, "
                  f"{' / '.join(map(str, generated['cached_seconds']))} s from the cache."]
    gen, walk = report["generation"], report["sdk_walk"]
    lines += ["", f"Generation: {gen['chats_per_second']:,} chats/s (one process). SDK walk of {walk['chats']:,} "
                  f"chats at limit={walk['limit']}: {walk['seconds']} s ({walk['pages']} pages; plain httpx: "
                  f"{walk['plain_httpx_seconds']} s). CPU reference: {report['machine']['reference_seconds']} s.",
              "", "| target | met |", "|---|---|"]
    lines += [f"| {name} | {'yes' if met else '**no**'} |" for name, met in report["targets"].items()]
    return "\n".join(lines)
