"""Loading and generating large datasets on every core: ranges of work in forked processes.

Reading a fixture file and generating chats are CPU-bound Python (building chats, orjson and
jsonschema-rs take most of it), so large jobs are split into ranges: the first runs in this
process, which reports progress for all of them, while forked workers run the others. Only forked
workers start fast enough to pay (they inherit the loaded contract and the seed's pools), and
forking a process that runs threads is unsafe, so inside a threaded program (a test suite, a
running server) everything runs here, serially.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Generator, Iterator
from typing import Any, TypeVar

from fake_beeper.progress import OnProgress, ignore_progress

R = TypeVar("R")


def workers_for(size: int, threshold: int) -> int:
    """How many processes a job of ``size`` should use (1: stay serial)."""
    if size < threshold or not can_fork():
        return 1
    return min(usable_cpus(), 8)


def can_fork() -> bool:
    """Whether this process may fork workers: the system can (not Windows), and no other thread
    runs (a forked child would inherit locks that thread holds)."""
    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


def usable_cpus() -> int:
    """The CPUs this process may run on: its affinity where the system has one (Linux), else
    every CPU (macOS and Windows have no ``os.sched_getaffinity``)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


# Items done by each range; forked workers inherit it and write their own slot.
_done: Any = None


def run_ranges(task: Callable[[int, int, OnProgress], R], bounds: list[int], progress: OnProgress | None = None, *,
               meanwhile: Callable[[Callable[[], None]], None] | None = None) -> Generator[R, None, None]:
    """``task(start, stop, report)`` for each consecutive pair of ``bounds``; the results in order.

    The first range runs in this process. With ``meanwhile``, every range goes to a worker instead
    and this process runs ``meanwhile(tick)`` while they work, calling ``tick()`` now and then to
    pass on their progress. ``progress`` gets the total done across all ranges. However this ends
    (done, an error in any range, which is raised here in range order, or Ctrl-C), the workers
    are stopped.
    """
    global _done
    ranges = list(itertools.pairwise(bounds))
    if len(ranges) == 1 and meanwhile is None:
        yield task(*ranges[0], progress or ignore_progress)
        return
    context = multiprocessing.get_context("fork")
    _done = context.RawArray("q", len(ranges))
    remote = ranges if meanwhile is not None else ranges[1:]
    pool = context.Pool(len(remote), initializer=_worker_signals)
    try:
        others = [pool.apply_async(_in_worker, (task, start, stop, slot))
                  for slot, (start, stop) in enumerate(remote, start=len(ranges) - len(remote))]

        def report(count: int) -> None:
            if meanwhile is None:
                _done[0] = count
            if progress is not None:
                progress(sum(_done))

        if meanwhile is None:
            yield task(*ranges[0], report)
        else:
            meanwhile(lambda: report(0))
        for other in others:
            while not other.ready():
                other.wait(0.25)
                report(_done[0])  # progress goes on (and with it a Ctrl-C check) while workers finish
            yield other.get()
    finally:
        pool.terminate()
        pool.join()


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """No cyclic garbage collection while a large load builds its million objects (a collection
    would scan them all, again and again: 2.0 of 2.4 s of making 1M chats), and as it was after.
    Only for work in a process without threads, as the parallel path is (``workers_for``): another
    thread's garbage would wait too."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _worker_signals() -> None:
    """A forked worker inherits the parent's signal handlers (the CLI's note the signal and carry
    on), so ``terminate()``'s SIGTERM would not stop it: it gets the default back. Ctrl-C at a
    terminal reaches the whole process group; the parent alone answers it, and stops the workers."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _in_worker(task: Callable[[int, int, OnProgress], R], start: int, stop: int, slot: int) -> R:
    def report(count: int) -> None:
        _done[slot] = count

    return task(start, stop, report)

