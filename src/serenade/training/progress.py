"""A periodic progress line: step, loss, examples per second and time left."""

from __future__ import annotations

import logging
import time

LOG = logging.getLogger("serenade.training")


def format_duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{seconds:02d}s"
    return f"{seconds}s"


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
        parts.append(f"{rate:.1f} ex/s")
        parts.append("ETA " + (format_duration(remaining) if remaining != float("inf") else "?"))
        line = " | ".join(parts)
        LOG.info(line)
        return line, rate
