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
    connections = report["settings"]["connections"]
    lines = servers(report["servers"]) if "servers" in report else mocks(report["mocks"], connections)
    if report.get("uncached"):
        lines += uncached(report["uncached"])
    return "\n".join([*lines, *rest(report, connections)])


def servers(compared: dict[str, Any]) -> list[str]:
    """Every server at each number of connections: req/s and CPU per request (medians of the
    rounds), then the fake against each, round by round."""
    counts = list(next(iter(compared["runs"].values())))
    lines = [f"First page ({compared['bytes']:,} bytes), the same from every server. Medians of the rounds.", "",
             "| server | " + " | ".join(f"{c} conn.: req/s, CPU µs/req, p99 ms" for c in counts) + " | start-up s |",
             "|---|" + "---|" * len(counts) + "---|"]
    for name, by_count in compared["runs"].items():
        cells = [f"{_median(runs, 'rps'):,.0f}, {_cpu(runs)}, {_median(runs, 'p99_ms'):.2f}"
                 for runs in by_count.values()]
        lines.append(f"| {name} | {' | '.join(cells)} | {compared['startup_seconds'][name]} |")
    lines += ["", "| fake ÷ | " + " | ".join(f"{c} conn.: CPU (per round) | req/s" for c in counts) + " |",
              "|---|" + "---|---|" * len(counts)]
    for other, by_count in compared["fake_over"].items():
        cells = [f"**{r['cpu_median']}x** ({' / '.join(map(str, r['cpu_per_round']))}) | {r['rps_median']}x"
                 for r in by_count.values()]
        lines.append(f"| {other} | {' | '.join(cells)} |")
    lines += ["", "CPU: the other server's CPU time per request over the fake's (above 1: the fake spends less); "
                  "req/s: the fake's over the other's."]
    return lines


def uncached(walks: dict[str, Any]) -> list[str]:
    ratio = walks["fake_over_baseline"]
    rounds = f", {walks['seconds']} s a round" if "seconds" in walks else ""  # older results did not say
    if walks.get("order") == "alternating":
        rounds += ", the two servers taking turns at going first"
    lines = ["", f"No URL asked twice: {walks['connections']} walkers over {walks['chats']:,} chats, each with its "
                 f"own limit{rounds} ({walks['repeats']} URLs repeated).", "",
             "| server | req/s per round | CPU µs/req per round |", "|---|---|---|"]
    lines += [f"| {name} | {' / '.join(str(round(r['rps'])) for r in runs)} | "
              f"{' / '.join(str(r['cpu_us']) for r in runs)} |" for name, runs in walks["runs"].items()]
    lines += ["", f"fake ÷ fake at {walks['baseline']}: CPU **{ratio['cpu_median']}x** "
                  f"({' / '.join(map(str, ratio['cpu_per_round']))}), req/s {ratio['rps_median']}x."]
    return lines


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(r[key] for r in runs))


def _cpu(runs: list[dict[str, Any]]) -> str:
    cpu = [r["cpu_us"] for r in runs if r.get("cpu_us") is not None]
    return f"{statistics.median(cpu):.1f}" if cpu else "-"


def mocks(mocks: dict[str, Any], connections: int) -> list[str]:
    """The comparison as results files before issue 26 hold it: one number of connections, req/s."""
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
    return lines


def rest(report: dict[str, Any], connections: int) -> list[str]:
    lines = ["", f"| chats | workload | req/s ({connections} conn.) | p99 ms ({connections} conn.) | "
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
    later = report.get("checked_while_serving")
    if later is not None:
        lines += ["", f"`serve --check-while-serving` over {later['chats']:,} chats: first response after "
                      f"{later['spawn_to_first_response_seconds']} s; every chat checked "
                      f"{later['check_seconds_after_load']} s after the load; server RSS {later['rss_mib']} MiB."]
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
              "", "| target | met, and the figure it was judged on |", "|---|---|"]
    lines += [f"| {name} | {_verdict(judged)} |" for name, judged in report["targets"].items()]
    return lines


def _verdict(judged: bool | dict[str, Any]) -> str:
    """A target's verdict: a bare bool in results files before issue 26, then with its figure."""
    if isinstance(judged, bool):
        return "yes" if judged else "**no**"
    said = "yes" if judged["met"] else "**no**"
    return f"{said}: {judged['figure']}" if judged["figure"] else said


README_TARGETS = ("first page", "URLs never asked twice", "1M chats")


def readme(report: dict[str, Any], name: str) -> str:
    """The README's speed table: the targets of the first page, of requests never asked twice and
    of a million chats, from results file ``name`` (a test checks that the README holds the table
    of the newest committed file)."""
    lines = [f"From `bench/results/{name}` ({report['machine']['cpus']} cores; each figure beside its "
             "baseline, measured in the same run):", "", "| target | measured | met |", "|---|---|---|"]
    for target, judged in report["targets"].items():
        if target.startswith(README_TARGETS):
            figure = judged["figure"].replace("|", "\\|")
            lines.append(f"| {target} | {figure} | {'yes' if judged['met'] else '**no**'} |")
    return "\n".join(lines)
