"""What every generation job shares: its `JobContext` (model, output folder, rendering, MLflow
run), its progress logger and how it ends."""

from __future__ import annotations

import csv
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from serenade import layout
from serenade.base.progress import progress_logger
from serenade.generation.tracking import NoTracking, start_generation_run
from serenade.generation.writing import RenderSettings

LOG = logging.getLogger("serenade.generation")
PROGRESS = progress_logger("generation")


@dataclass
class JobContext:
    """What every generation job needs: the model, where to write, how to render and track."""

    model_name: str
    config_name: str
    checkpoint: str | Path
    out_dir: str | Path
    render: RenderSettings = field(default_factory=RenderSettings)
    tracking_uri: str | None = None
    results_dir: str | Path = layout.RESULTS
    hparams: str = ""
    track: bool = True  # False: log nothing to MLflow (command-line runs)
    precision: str = "float32"  # of decoding (`serenade.models.precision.for_decoding`)

    def load_model(self):
        from serenade.models.checkpoint import load_model

        PROGRESS.info("loading model %s", self.model_name)
        if (Path(self.checkpoint) / "serenade.json").exists():  # config and hparams stored
            return load_model(self.checkpoint, precision=self.precision)
        return load_model(self.checkpoint, self.config_name, self.hparams,
                          precision=self.precision)

    def tracker(self, job: str):
        if not self.track:
            return NoTracking()
        csv_path = layout.log("generate", self.model_name, f"{job}-metrics", results=str(self.results_dir),
                              suffix=".csv")
        return start_generation_run(self.model_name, self.config_name, job, csv_path,
                                    tracking_uri=self.tracking_uri, results_dir=self.results_dir)


def render_params(render: RenderSettings) -> dict[str, Any]:
    """The rendering settings as MLflow params."""
    return {"program": render.program, "velocity": render.velocity, "audio": render.audio,
            "audio_backend": render.audio_backend}


def finish(tracker, out_dir: Path, artifact_path: str | None = None) -> None:
    """Log a job's output folder as the artifact of its MLflow run, and end the run."""
    tracker.log_artifact(out_dir, artifact_path)
    tracker.finish()


def write_rows(path: Path, rows: Sequence[Mapping[str, Any]]) -> None:
    """A CSV of dict rows (their keys in first-seen order), floats to 6 significant digits."""
    fields = list(dict.fromkeys(key for row in rows for key in row))
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()})

