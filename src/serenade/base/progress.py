"""Progress of a long job as log records on one logger namespace, `serenade.progress`.

The library says *that* a line is progress by logging it there; where it goes is the caller's
choice: the workflow shows these lines on the console as well as in the job's log
(`serenade.pipeline.joblog`), while the CLI's logging shows them as any other line. A record
may carry a shorter form for the console as `extra={"short": ...}`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

PROGRESS = "serenade.progress"


def progress_logger(job: str) -> logging.Logger:
    """The logger of `job`'s progress lines (`serenade.progress.<job>`)."""
    return logging.getLogger(f"{PROGRESS}.{job}")


def is_progress(record: logging.LogRecord) -> bool:
    return record.name == PROGRESS or record.name.startswith(PROGRESS + ".")


def format_duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{seconds:02d}s"
    return f"{seconds}s"


class CountProgress:
    """"what done/total (percent) | ETA" lines for a loop over known items: the first item,
    then at most one line every `every_s` seconds, and the last, so a fast job says little
    and a slow one shows it is moving."""

    def __init__(self, logger: logging.Logger, what: str, total: int, *, every_s: float = 10.0,
                 clock: Callable[[], float] = time.monotonic):
        self.logger, self.what, self.total, self.every_s = logger, what, total, every_s
        self.clock = clock
        self._start = clock()
        self._last: float | None = None

    def update(self, done: int) -> None:
        now = self.clock()
        if done < self.total and self._last is not None and now - self._last < self.every_s:
            return
        self._last = now
        percent = 100.0 * done / max(self.total, 1)
        line = f"{self.what} {done}/{self.total} ({percent:.0f}%)"
        elapsed = now - self._start
        if done >= self.total:
            line += f" | done in {format_duration(elapsed)}"
        elif done > 0 and elapsed > 0:
            line += f" | ETA {format_duration(elapsed * (self.total - done) / done)}"
        self.logger.info("%s", line)
