"""How close a GrooVAE output is to a drum performance: hits, velocities and timing.

Both are windows [.., T, 3 * drums] as the converter lays them out (`GrooveGrid.stacked`):
per step and drum class a hit (> 0.5), a velocity (0..1) and an offset (-1..1, positive: early,
one unit half a step). Figures, pooled over every window:

- hits: precision, recall and F1 of the (step, class) cells hit in the output against those hit
  in the reference (`hit_f1`), and F1 per class (`hit_f1_<class>`, NaN where neither has one);
- on the cells both hit: mean absolute velocity error in MIDI units (`velocity_error`, 0..127)
  and mean absolute timing error in milliseconds (`timing_error_ms`);
- the distribution of each side's timing (onset minus grid time in ms, positive: late) and
  velocity (MIDI units) over its own hits: `timing_mean_ms`, `timing_std_ms`, `velocity_mean`,
  `velocity_std` of the output, `reference_*` of the reference. For humanize these say whether
  the output plays as loosely as the real performance: a humanized loop with a timing std near
  0 ms is still quantized.

Milliseconds need each window's step length (60 / qpm / steps per quarter): one number, or one
per window when the windows come from pieces at several tempos.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from serenade.groove.converter import DEFAULT_QPM

HIT_THRESHOLD = 0.5  # a hit value above this is a hit (the converter's `from_tensors`)


def step_seconds(qpm: float = DEFAULT_QPM, steps_per_quarter: int = 4) -> float:
    """The length of one grid step at `qpm`."""
    return 60.0 / qpm / steps_per_quarter


def _split(windows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    windows = np.asarray(windows, np.float64)
    if windows.ndim == 2:
        windows = windows[None]
    if windows.ndim != 3 or windows.shape[-1] % 3:
        raise ValueError(f"groove windows are [n, steps, 3 * drums], got {windows.shape}")
    hits, velocities, offsets = np.split(windows, 3, axis=-1)
    return hits > HIT_THRESHOLD, velocities, offsets


def _lateness_ms(offsets: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """Onset minus grid time in ms of every cell: an offset of 1 is half a step early."""
    return -offsets / 2.0 * seconds * 1000.0


def _per_window(seconds: float | np.ndarray, n: int) -> np.ndarray:
    seconds = np.broadcast_to(np.asarray(seconds, np.float64), (n,))
    return seconds[:, None, None]


def _f1(true_positives: int, predicted: int, actual: int) -> float:
    return 2.0 * true_positives / (predicted + actual) if predicted + actual else float("nan")


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if values.size else float("nan")


def _std(values: np.ndarray) -> float:
    return float(values.std()) if values.size else float("nan")


def compare(reference: np.ndarray, output: np.ndarray, seconds_per_step: float | np.ndarray,
            class_names: Sequence[str] | None = None) -> dict[str, float]:
    """The figures of `output` against `reference` (both [n, T, 3 * drums] or [T, 3 * drums],
    window by window), `seconds_per_step` one step's length (scalar or [n])."""
    ref_hits, ref_velocities, ref_offsets = _split(reference)
    out_hits, out_velocities, out_offsets = _split(output)
    if ref_hits.shape != out_hits.shape:
        raise ValueError(f"reference {ref_hits.shape} and output {out_hits.shape} windows "
                         "differ in shape")
    seconds = _per_window(seconds_per_step, ref_hits.shape[0])
    ref_ms = np.broadcast_to(_lateness_ms(ref_offsets, seconds), ref_hits.shape)
    out_ms = np.broadcast_to(_lateness_ms(out_offsets, seconds), out_hits.shape)
    both = ref_hits & out_hits
    true_positives, predicted, actual = int(both.sum()), int(out_hits.sum()), int(ref_hits.sum())
    figures = {
        "windows": float(ref_hits.shape[0]),
        "reference_hits": float(actual),
        "output_hits": float(predicted),
        "hit_precision": true_positives / predicted if predicted else float("nan"),
        "hit_recall": true_positives / actual if actual else float("nan"),
        "hit_f1": _f1(true_positives, predicted, actual),
        "velocity_error": _mean(np.abs(out_velocities - ref_velocities)[both] * 127.0),
        "timing_error_ms": _mean(np.abs(out_ms - ref_ms)[both]),
        "timing_mean_ms": _mean(out_ms[out_hits]),
        "timing_std_ms": _std(out_ms[out_hits]),
        "reference_timing_mean_ms": _mean(ref_ms[ref_hits]),
        "reference_timing_std_ms": _std(ref_ms[ref_hits]),
        "velocity_mean": _mean(out_velocities[out_hits] * 127.0),
        "velocity_std": _std(out_velocities[out_hits] * 127.0),
        "reference_velocity_mean": _mean(ref_velocities[ref_hits] * 127.0),
        "reference_velocity_std": _std(ref_velocities[ref_hits] * 127.0),
    }
    names = class_names or [str(i) for i in range(ref_hits.shape[-1])]
    for k, name in enumerate(names):
        figures[f"hit_f1_{name}"] = _f1(int(both[..., k].sum()), int(out_hits[..., k].sum()),
                                        int(ref_hits[..., k].sum()))
    return figures


# (figure, label, format) in the order `format_figures` prints them
_SHOWN = (("windows", "windows", "{:.0f}"),
          ("hit_f1", "hit F1 (per step and class)", "{:.3f}"),
          ("hit_precision", "  precision", "{:.3f}"),
          ("hit_recall", "  recall", "{:.3f}"),
          ("velocity_error", "velocity error on shared hits (MIDI units)", "{:.1f}"),
          ("timing_error_ms", "timing error on shared hits (ms)", "{:.1f}"),
          ("timing_mean_ms", "timing: output mean (ms, + late)", "{:.1f}"),
          ("reference_timing_mean_ms", "        reference mean", "{:.1f}"),
          ("timing_std_ms", "        output std (ms)", "{:.1f}"),
          ("reference_timing_std_ms", "        reference std", "{:.1f}"),
          ("velocity_mean", "velocity: output mean", "{:.1f}"),
          ("reference_velocity_mean", "          reference mean", "{:.1f}"),
          ("velocity_std", "          output std", "{:.1f}"),
          ("reference_velocity_std", "          reference std", "{:.1f}"))


def format_figures(title: str, figures: dict[str, float]) -> str:
    """The figures as aligned lines under `title`, per-class F1 on one line."""
    lines = [title]
    for key, label, fmt in _SHOWN:
        value = figures.get(key, float("nan"))
        lines.append(f"  {label:<44} {'n/a' if np.isnan(value) else fmt.format(value)}")
    per_class = [f"{key[len('hit_f1_'):]} {value:.2f}" for key, value in figures.items()
                 if key.startswith("hit_f1_") and not np.isnan(value)]
    if per_class:
        lines.append("  hit F1 per class: " + ", ".join(per_class))
    return "\n".join(lines)


__all__ = ["compare", "format_figures", "step_seconds"]
