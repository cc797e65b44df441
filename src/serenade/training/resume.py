"""Resume state: model weights + optimizer state every N steps, keeping the newest K.

They live in `results/checkpoints/{model name}-{training key}/`, outside the train rule's declared
outputs, because Snakemake deletes a failed or killed job's outputs; the key is a hash of what
the weights depend on (config, hparams, training settings, data), so a changed setup starts
afresh instead of resuming from foreign weights. Each checkpoint is one `.npz` written to a
temporary name and renamed, so a job killed mid-save leaves the previous checkpoint intact. The
MLflow run id sits beside them, so a resumed job continues its own run, and the job's resolved
config, so that what the weights are can be read back after Snakemake removed the model folder.

A checkpoint damaged anyway (a disk filling up, a copy cut short) is moved aside as
`ckpt-N.npz.damaged` and the next older one is used, saying so in the log; one that reads but
holds NaN or infinite weights is refused, since training on from it only spreads them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import zipfile
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from serenade.errors import UserError

LOG = logging.getLogger("serenade.training")
_NAME = re.compile(r"^ckpt-(\d{9})\.npz$")
RUN_ID_FILE = "mlflow_run_id.txt"
COMPLETE_FILE = "COMPLETE"
# the job's resolved config.yaml, copied beside the resume state: a stopped job's model folder
# is gone, and what its checkpoints are must still be readable (tools/ship_pretrained.py)
CONFIG_FILE = "config.yaml"


def training_key(values: Mapping[str, Any], length: int = 12) -> str:
    """Stable short hash of the training-relevant values (JSON with sorted keys)."""
    text = json.dumps(values, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:length]


class ResumeError(UserError, ValueError):
    """No resume checkpoint can be trusted; the message names the file and the reason."""


# What reading a damaged .npz raises: a cut zip, a cut member, a bad header, a missing key.
_DAMAGE = (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError)


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
        """(step, model weights by name, optimizer variables in order) of a checkpoint.
        ResumeError when its weights are not all finite."""
        step = self.latest() if step is None else step
        if step is None:
            raise FileNotFoundError(f"no checkpoint in {self.directory}")
        path = self.path(step)
        with np.load(path, allow_pickle=False) as data:
            model = {k[len("model/"):]: data[k] for k in data.files if k.startswith("model/")}
            optimizer_keys = sorted(k for k in data.files if k.startswith("optimizer/"))
            optimizer = [data[k] for k in optimizer_keys]
            saved_step = int(data["step"])
        arrays = {**{f"model/{k}": v for k, v in model.items()},
                  **dict(zip(optimizer_keys, optimizer))}
        bad = [key for key, value in arrays.items()
               if np.issubdtype(value.dtype, np.floating) and not np.isfinite(value).all()]
        if bad:
            raise ResumeError(
                f"{path} holds non-finite weights (NaN or inf in {', '.join(bad[:3])}"
                f"{f' and {len(bad) - 3} more' if len(bad) > 3 else ''}): not resumed from; "
                "delete it to resume from an older checkpoint, or the folder to start afresh")
        return saved_step, model, optimizer

    def load_newest_readable(self) -> tuple[int, dict[str, np.ndarray], list[np.ndarray]] | None:
        """`load` of the newest checkpoint that reads; each damaged newer one is moved aside
        (`.damaged`) with a log line. None when none is left (training starts afresh)."""
        damaged = False
        for step in reversed(self.steps()):
            path = self.path(step)
            try:
                loaded = self.load(step)
            except ResumeError:
                raise
            except _DAMAGE as error:
                reason = " ".join(str(error).split()) or type(error).__name__
                path.replace(path.with_name(path.name + ".damaged"))
                LOG.warning("resume checkpoint %s is damaged (%s): moved aside as %s.damaged",
                            path, reason, path.name)
                damaged = True
                continue
            if damaged:
                LOG.warning("resuming from %s, the newest readable checkpoint", path)
            return loaded
        if damaged:
            LOG.warning("no readable resume checkpoint is left in %s: training starts afresh",
                        self.directory)
        return None

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
