"""MkDocs hooks (``mkdocs.yml``): the pages whose content is derived, not written.

* ``<!-- bench: newest -->``: the tables of the newest committed ``make bench`` run
  (``bench/report.py``), so the Speed page never shows numbers pasted by hand.
* ``<!-- openapi: operations -->``: every operation of ``openapi.yaml``, with the profiles that
  serve it, read from the contract and its stages.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from fake_beeper.contract import spec
from fake_beeper.contract.stages import STAGES

ROOT = Path(__file__).resolve().parent.parent
BENCH = "<!-- bench: newest -->"
OPERATIONS = "<!-- openapi: operations -->"


def on_page_markdown(markdown: str, **_: Any) -> str:
    if BENCH in markdown:
        markdown = markdown.replace(BENCH, bench_tables())
    if OPERATIONS in markdown:
        markdown = markdown.replace(OPERATIONS, operations_table())
    return markdown


def bench_tables() -> str:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import report
    finally:
        sys.path.remove(str(ROOT / "bench"))
    path = report.newest()
    run = report.load(path)
    sizes = ", ".join(f"{int(size):,}" for size in run["sizes"])
    return (f"From `bench/results/{path.name}` (run {run['when']}, {run['machine']['cpus']} cores, "
            f"datasets of {sizes} chats, {run['bench_seconds']:.0f} s):\n\n{report.markdown(run)}")


def operations_table() -> str:
    rows = ["| method | path | operation | profiles |", "|---|---|---|---|"]
    for path, item in spec.spec()["paths"].items():
        for method in spec.METHODS:
            if method not in item:
                continue
            served = [found.name for found in STAGES if found.has_operation(path, method)]
            profiles = "all" if len(served) == len(STAGES) else ", ".join(served)
            rows.append(f"| {method.upper()} | `{path}` | {item[method].get('summary', item[method]['operationId'])} "
                        f"| {profiles} |")
    return "\n".join(rows)
