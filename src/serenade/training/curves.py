"""Training-curve figure from a metrics CSV (what MLflow shows, as one PNG artifact)."""

from __future__ import annotations

from pathlib import Path

from serenade.tracking import read_metrics_csv

# (panel title, [(metric key, label)])
PANELS = (
    ("loss", [("loss", "train loss"), ("r_loss", "train r_loss"), ("eval_loss", "eval loss")]),
    ("KL (bits)", [("kl_bits", "train KL bits"), ("eval_kl_bits", "eval KL bits")]),
    ("accuracy", [("accuracy", "train"), ("eval_accuracy", "eval teacher-forced"),
                  ("eval_sampled_accuracy", "eval sampled"), ("eval_mu_accuracy", "eval from mu"),
                  ("eval_mu_onset_accuracy", "eval from mu, note onsets only"),
                  ("eval_no_event_baseline", "always 'no event' (baseline)")]),
    ("schedules", [("beta", "beta"), ("sampling_probability", "sampling probability")]),
)


def plot_training_curves(csv_path: str | Path, png_path: str | Path, title: str = "") -> Path:
    """Four panels (loss, KL, accuracy, schedules) over steps; metrics absent are skipped."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = read_metrics_csv(csv_path)
    figure, axes = plt.subplots(2, 2, figsize=(11, 7))
    for axis, (panel, keys) in zip(axes.flat, PANELS):
        for key, label in keys:
            points = series.get(key)
            if points:
                steps, values = zip(*sorted(points))
                baseline = "baseline" in label
                axis.plot(steps, values, label=label, linestyle="--" if baseline else "-",
                          color="grey" if baseline else None,
                          marker="." if len(points) < 30 and not baseline else None)
        axis.set_title(panel)
        axis.set_xlabel("step")
        if axis.lines:
            axis.legend(fontsize=8)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    png_path = Path(png_path)
    png_path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(png_path, dpi=90)
    plt.close(figure)
    return png_path
