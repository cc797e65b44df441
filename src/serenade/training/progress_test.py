"""Progress line with a controllable clock."""

from __future__ import annotations

from serenade.training.progress import Progress, format_duration


def test_rate_and_eta_from_the_clock():
    now = [100.0]
    progress = Progress(total_steps=1000, start_step=200, batch_size=64, clock=lambda: now[0])
    now[0] = 110.0  # 100 steps in 10 s
    line, rate = progress.report(300, {"loss": 12.345, "accuracy": 0.5})
    assert rate == 640.0
    assert line.startswith("step 300/1000 (30%)")
    assert "loss 12.35" in line and "accuracy 0.5" in line and "640.0 ex/s" in line
    assert "ETA 1m10s" in line  # 700 steps at 10 steps/s
    now[0] = 130.0  # 100 more steps in 20 s; the ETA uses the whole run: 200 steps in 30 s
    line, rate = progress.report(400, {})
    assert rate == 320.0 and "ETA 1m30s" in line


def test_restart_clock_and_durations():
    now = [0.0]
    progress = Progress(10, 0, 1, clock=lambda: now[0])
    now[0] = 50.0  # tracing took long
    progress.restart_clock(1)
    now[0] = 51.0
    _, rate = progress.report(2, {})
    assert rate == 1.0
    assert format_duration(3725) == "1h02m" and format_duration(59.6) == "1m00s"
    assert format_duration(5) == "5s"


def test_the_line_is_progress_with_a_short_form_for_the_console(caplog):
    now = [0.0]
    progress = Progress(100, 0, 8, clock=lambda: now[0])
    now[0] = 2.0
    with caplog.at_level("INFO", logger="serenade.progress"):
        line, _ = progress.report(10, {"loss": 3.0, "r_loss": 2.5, "kl_bits": 1.0})
    [record] = caplog.records
    assert record.name == "serenade.progress.training" and record.getMessage() == line
    assert record.short == "step 10/100 (10%) | loss 3 | 40.0 ex/s | ETA 18s"
