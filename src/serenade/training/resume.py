"""Resume state: model weights + optimizer state every N steps, keeping the newest K.

They live in `results/checkpoints/{model name}-{training key}/`, outside the train rule's declared
outputs, because Snakemake deletes a failed or killed job's outputs; the key is a hash of what
the weights depend on (config, hparams, training settings, data), so a changed setup starts
afresh instead of resuming from foreign weights. Each checkpoint is one `.npz` written to a
temporary name and renamed, so a job killed mid-save leaves the previous checkpoint intact. The
MLflow run id sits beside them, so a resumed job continues its own run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any, Mapping

import numpy as np

_NAME = re.compile(r"^ckpt-(\d{9})\.npz$")
RUN_ID_FILE = "mlflow_run_id.txt"
COMPLETE_FILE = "COMPLETE"


def training_key(values: Mapping[str, Any], length: int = 12) -> str:
    """Stable short hash of the training-relevant values (JSON with sorted keys)."""
    text = json.dumps(values, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:length]


class ResumeStore:
    """Save/restore (step, model weights, optimizer variables) in one folder."""

    def __init__(self, directory: str | Path, keep: int = 3):
        if keep < 1:
            raise ValueError(f"keep_checkpoints must be at least 1, got {keep}")
        self.directory = Path(directory)
        self.keep = keep

    def steps(self) -> list[int]:
        """Steps of the complete checkpoints present, oldest first."""
        if not self.directory.is_dir():
            return []
        found = (_NAME.match(p.name) for p in self.directory.iterdir())
        return sorted(int(m.group(1)) for m in found if m)

    def path(self, step: int) -> Path:
        return self.directory / f"ckpt-{step:09d}.npz"

    def latest(self) -> int | None:
        steps = self.steps()
        return steps[-1] if steps else None

    def save(self, step: int, model_weights: Mapping[str, np.ndarray],
             optimizer_weights: list[np.ndarray]) -> Path:
        """Write atomically, then drop the oldest beyond `keep`."""
        self.directory.mkdir(parents=True, exist_ok=True)
        arrays = {f"model/{name}": np.asarray(value) for name, value in model_weights.items()}
        arrays.update({f"optimizer/{i:05d}": np.asarray(v) for i, v in enumerate(optimizer_weights)})
        arrays["step"] = np.asarray(step, np.int64)
        target = self.path(step)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        with open(temporary, "wb") as handle:
            np.savez(handle, **arrays)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
        for old in self.steps()[:-self.keep]:
            self.path(old).unlink(missing_ok=True)
        return target

    def load(self, step: int | None = None) -> tuple[int, dict[str, np.ndarray], list[np.ndarray]]:
        """(step, model weights by name, optimizer variables in order) of a checkpoint."""
        step = self.latest() if step is None else step
        if step is None:
            raise FileNotFoundError(f"no checkpoint in {self.directory}")
        with np.load(self.path(step)) as data:
            model = {k[len("model/"):]: data[k] for k in data.files if k.startswith("model/")}
            optimizer_keys = sorted(k for k in data.files if k.startswith("optimizer/"))
            optimizer = [data[k] for k in optimizer_keys]
            saved_step = int(data["step"])
        return saved_step, model, optimizer

    # -- MLflow run id ---------------------------------------------------------------------

    def read_run_id(self) -> str | None:
        path = self.directory / RUN_ID_FILE
        return path.read_text().strip() or None if path.is_file() else None

    def write_run_id(self, run_id: str | None) -> None:
        if not run_id:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / RUN_ID_FILE).write_text(run_id + "\n")

    def mark_complete(self) -> None:
        """Record that the run finished: the next job with this key is a rerun, not a resume."""
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / COMPLETE_FILE).write_text("finished\n")

    def is_complete(self) -> bool:
        return (self.directory / COMPLETE_FILE).is_file()

    def clear(self) -> None:
        """Forget checkpoints, run id and completion mark (before a rerun starts afresh)."""
        if not self.directory.is_dir():
            return
        for path in self.directory.iterdir():
            if path.is_file():
                path.unlink()
