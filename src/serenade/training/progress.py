"""A periodic progress line: step, loss, examples per second and time left.

Logged as progress (`serenade.base.progress`): the job's log keeps the whole line, the
workflow's console its short form (step, loss, ex/s, ETA).
"""

from __future__ import annotations

import time

from serenade.base.progress import format_duration, progress_logger

LOG = progress_logger("training")
__all__ = ["Progress", "format_duration"]


class Progress:
    """Tracks throughput since the last report and over the whole run (for the ETA)."""

    def __init__(self, total_steps: int, start_step: int, batch_size: int,
                 clock=time.monotonic):
        self.total_steps = total_steps
        self.batch_size = batch_size
        self.clock = clock
        self._run_start = (clock(), start_step)
        self._last = (clock(), start_step)

    def restart_clock(self, step: int) -> None:
        """Forget time spent so far (after compilation or evaluation, which skew the rate)."""
        now = self.clock()
        self._last = (now, step)
        self._run_start = (now, step)

    def report(self, step: int, metrics: dict[str, float]) -> tuple[str, float]:
        """The progress line for `step` and the examples/s since the previous report."""
        now = self.clock()
        last_time, last_step = self._last
        elapsed = max(now - last_time, 1e-9)
        rate = (step - last_step) * self.batch_size / elapsed
        start_time, start_step = self._run_start
        overall = (step - start_step) / max(now - start_time, 1e-9)
        remaining = (self.total_steps - step) / overall if overall > 0 else float("inf")
        self._last = (now, step)
        percent = 100.0 * step / max(self.total_steps, 1)
        parts = [f"step {step}/{self.total_steps} ({percent:.0f}%)"]
        for key in ("loss", "r_loss", "kl_bits", "accuracy"):
            if key in metrics:
                parts.append(f"{key} {metrics[key]:.4g}")
        tail = [f"{rate:.1f} ex/s",
                "ETA " + (format_duration(remaining) if remaining != float("inf") else "?")]
        line = " | ".join(parts + tail)
        short = [parts[0], *(parts[1:2] if "loss" in metrics else []), *tail]
        LOG.info(line, extra={"short": " | ".join(short)})
        return line, rate
