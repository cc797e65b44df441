"""Counted progress lines with a controllable clock."""

from __future__ import annotations

import logging

from serenade.base.progress import CountProgress, is_progress, progress_logger


def test_first_then_every_interval_then_the_last(caplog):
    now = [0.0]
    counter = CountProgress(progress_logger("export"), "exported", 10, every_s=5,
                            clock=lambda: now[0])
    with caplog.at_level(logging.INFO, logger="serenade.progress"):
        for done in range(1, 11):
            now[0] = done * 2.0
            counter.update(done)
    assert [r.getMessage() for r in caplog.records] == [
        "exported 1/10 (10%) | ETA 18s", "exported 4/10 (40%) | ETA 12s",
        "exported 7/10 (70%) | ETA 6s", "exported 10/10 (100%) | done in 20s"]
    assert all(is_progress(r) for r in caplog.records)
    assert not is_progress(logging.LogRecord("serenade.progressive", 20, "", 0, "", (), None))
