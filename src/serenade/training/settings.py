"""Training settings of one model (the `train:` block of a `models:` entry) and resolved config.

Settings that change the trained weights (steps, batch size, seed, init_from, schedule scaling)
form the resume key; cadence and placement settings (eval_every, checkpoint_every, ...) do not.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any, Mapping

from serenade.models.configs import get_config
from serenade.models.hparams import parsed_names
from serenade.models.pretrained import resolve
from serenade.training.scaling import scaled_rates


@dataclass(frozen=True)
class TrainSettings:
    steps: int
    batch_size: int | None = None  # None: the config's hparams.batch_size
    seed: int = 0
    eval_every: int = 500
    checkpoint_every: int = 250
    keep_checkpoints: int = 3
    eval_max_windows: int | None = 2048
    init_from: str | None = None
    scale_schedules: bool = False
    transpose: bool = True  # the config's transposition augmentation
    mixed_precision: bool = False
    jit_compile: bool = False

    # What the trained weights depend on (besides config, hparams and data).
    KEY_FIELDS = ("steps", "batch_size", "seed", "init_from", "scale_schedules", "transpose")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> "TrainSettings":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown train settings {unknown}; known: {sorted(known)}")
        settings = cls(**dict(values))
        settings.validate()
        return settings

    def validate(self) -> None:
        for name in ("steps", "eval_every", "checkpoint_every", "keep_checkpoints"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"train.{name} must be at least 1, got {getattr(self, name)}")
        if self.batch_size is not None and self.batch_size < 1:
            raise ValueError(f"train.batch_size must be at least 1, got {self.batch_size}")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def key_values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.KEY_FIELDS}


def stored_hparams(init_from: str | None, config_name: str) -> str:
    """The hparams a Serenade checkpoint was trained with, when fine-tuning from one with the
    same config ("" otherwise: magenta checkpoints carry none, and one not built yet is read
    when its job runs)."""
    if not init_from:
        return ""

    from serenade.models.checkpoint import METADATA

    path = resolve(init_from) / METADATA
    if not path.is_file():
        return ""
    metadata = json.loads(path.read_text())
    return metadata.get("hparams", "") if metadata.get("config") == config_name else ""


def resolve_config(config_name: str, hparams: str, settings: TrainSettings):
    """The model config with the run's batch size and (optionally) schedules scaled to `steps`.

    Fine-tuning from a Serenade checkpoint (`init_from`) starts from the hparams it was trained
    with (architecture, objective, schedules); `hparams` override them.

    Scaling touches only schedules that exist: beta_rate when the config anneals beta
    (beta_rate > 0), sampling_rate when it uses inverse-sigmoid scheduled sampling. Setting
    `scale_schedules` together with an explicit beta_rate/sampling_rate override is an error,
    since one of them would be silently ignored.
    """
    base = stored_hparams(settings.init_from, config_name)
    config = get_config(config_name, ",".join(part for part in (base, hparams) if part))
    changes: dict[str, Any] = {}
    if settings.batch_size is not None:
        changes["batch_size"] = int(settings.batch_size)
    if settings.scale_schedules and settings.init_from:
        raise ValueError("train.scale_schedules and train.init_from: a fine-tune continues the "
                         "schedules of the checkpoint it starts from; turn scale_schedules off")
    if settings.scale_schedules:
        explicit = parsed_names(hparams) & {"beta_rate", "sampling_rate"}
        if explicit:
            raise ValueError(f"train.scale_schedules sets {sorted(explicit)} from the step budget; "
                             "remove them from hparams or turn scale_schedules off")
        rates = scaled_rates(settings.steps)
        if config.hparams.beta_rate > 0:
            changes["beta_rate"] = rates["beta_rate"]
        if config.hparams.sampling_schedule == "inverse_sigmoid":
            changes["sampling_rate"] = rates["sampling_rate"]
    if changes:
        config.hparams = config.hparams.set(**changes)
    return config
