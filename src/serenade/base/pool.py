"""Map a function over independent items on a pool of processes, results in input order.

Workers are forked when the parent has not loaded TensorFlow (fast start) and started fresh
otherwise (forking a process that runs TensorFlow threads is unsafe).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

Result = TypeVar("Result")

# Batches queued per worker by `ordered_imap`: enough to keep every worker busy while the caller
# handles results, few enough that memory stays flat.
BATCHES_AHEAD = 4


def default_workers() -> int:
    """One worker per core this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def ordered_map(function: Callable[..., Result], items: Sequence, *extra: Any,
                workers: int | None = None) -> list[Result]:
    """[function(item, *extra) for item in items], on `workers` processes (default: one per
    core; at most one per item). `function` must be importable by name (a module-level one)."""
    return list(ordered_imap(function, items, *extra, workers=workers))


def ordered_imap(function: Callable[..., Result], items: Sequence, *extra: Any,
                 workers: int | None = None) -> Iterator[Result]:
    """`ordered_map` as a stream: results are yielded in input order as they are done, and only
    a few batches per worker are ever queued or waiting, so memory does not grow with the
    number of items (a source of 100,000 MIDI files)."""
    workers = min(workers or default_workers(), max(1, len(items)))
    if workers == 1:
        yield from (function(item, *extra) for item in items)
        return
    size = max(1, min(32, len(items) // (workers * 8)))
    batches = (items[start:start + size] for start in range(0, len(items), size))
    method = "fork" if "tensorflow" not in sys.modules and os.name == "posix" else "spawn"
    with ProcessPoolExecutor(max_workers=workers,
                             mp_context=multiprocessing.get_context(method)) as pool:
        pending: deque[Future] = deque()

        def submit_next() -> None:
            batch = next(batches, None)
            if batch is not None:
                pending.append(pool.submit(_apply, function, batch, extra))

        for _ in range(workers * BATCHES_AHEAD):
            submit_next()
        while pending:
            done = pending.popleft().result()
            submit_next()
            yield from done


def _apply(function: Callable[..., Result], batch: Sequence, extra: tuple) -> list[Result]:
    return [function(item, *extra) for item in batch]
