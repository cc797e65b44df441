"""Map a function over independent items on a pool of processes, results in input order.

Workers are forked when the parent has not loaded TensorFlow (fast start) and started fresh
otherwise (forking a process that runs TensorFlow threads is unsafe).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

Result = TypeVar("Result")


def default_workers() -> int:
    """One worker per core this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def ordered_map(function: Callable[..., Result], items: Sequence, *extra: Any,
                workers: int | None = None) -> list[Result]:
    """[function(item, *extra) for item in items], on `workers` processes (default: one per
    core; at most one per item). `function` must be importable by name (a module-level one)."""
    workers = min(workers or default_workers(), max(1, len(items)))
    if workers == 1:
        return [function(item, *extra) for item in items]
    chunk = max(1, min(32, len(items) // (workers * 8)))
    method = "fork" if "tensorflow" not in sys.modules and os.name == "posix" else "spawn"
    with ProcessPoolExecutor(max_workers=workers,
                             mp_context=multiprocessing.get_context(method)) as pool:
        columns = [[value] * len(items) for value in extra]
        return list(pool.map(function, items, *columns, chunksize=chunk))
