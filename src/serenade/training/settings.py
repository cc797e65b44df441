"""Training settings of one model (the `train:` block of a `models:` entry) and resolved config.

Settings that change the trained weights (steps, batch size, seed, init_from, schedule scaling)
form the resume key; cadence and placement settings (eval_every, checkpoint_every, ...) do not.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, Mapping

from serenade.config_schema import defaults_of, raise_problems, schema_at, validated
from serenade.models.configs import get_config
from serenade.models.hparams import parsed_names
from serenade.models.pretrained import METADATA, resolve
from serenade.training.scaling import scaled_rates


_DEFAULTS = defaults_of("models.train")  # the schema is the one source of these defaults
# Keys whose None means "not given" (the schema takes no null there; the CLI passes None).
_NULLABLE = {name for name, sub in schema_at("models.train")["properties"].items()
             if "null" in (sub.get("type") if isinstance(sub.get("type"), list)
                           else [sub.get("type")])}


def _checked(values: Mapping[str, Any]) -> dict[str, Any]:
    given = {key: value for key, value in values.items() if value is not None or key in _NULLABLE}
    checked = validated("models.train", given, prefix="train")
    problems = []
    if isinstance(checked["transpose"], list) and checked["transpose"][0] > checked["transpose"][1]:
        problems.append(f"train.transpose: {checked['transpose']} is an empty range (low above "
                        "high)")
    if checked["bar_code_steps"] and not checked["bar_teacher"]:
        problems.append("train.bar_code_steps: the warm-up on a 2-bar model's codes needs "
                        "bar_teacher: that 2-bar model")
    if checked["init_from_part"] != "all" and not checked["init_from"]:
        problems.append(f"train.init_from_part: {checked['init_from_part']} needs init_from")
    if checked["bar_code_steps"] > checked["steps"]:
        problems.append(f"train.bar_code_steps: {checked['bar_code_steps']} is more than "
                        f"train.steps ({checked['steps']})")
    if problems:
        raise_problems(problems, "invalid train settings")
    return checked


@dataclass(frozen=True)
class TrainSettings:
    steps: int
    batch_size: int | None = None  # no schema default: the config's hparams.batch_size
    seed: int = _DEFAULTS["seed"]
    eval_every: int = _DEFAULTS["eval_every"]
    checkpoint_every: int = _DEFAULTS["checkpoint_every"]
    keep_checkpoints: int = _DEFAULTS["keep_checkpoints"]
    eval_max_windows: int | None = _DEFAULTS["eval_max_windows"]
    init_from: str | None = _DEFAULTS["init_from"]
    init_from_part: str = _DEFAULTS["init_from_part"]  # all, or the decoder only
    bar_teacher: str | None = _DEFAULTS["bar_teacher"]  # a 2-bar model: the core decoder
    bar_code_steps: int = _DEFAULTS["bar_code_steps"]  # warm-up steps on the 2-bar model's codes
    scale_schedules: bool = _DEFAULTS["scale_schedules"]
    # The config's transposition augmentation (True), none (False) or [low, high] semitones.
    transpose: bool | list[int] = _DEFAULTS["transpose"]
    precision: str = _DEFAULTS["precision"]  # serenade.models.precision: auto or a policy
    jit_compile: bool = _DEFAULTS["jit_compile"]

    # What the trained weights depend on (besides config, hparams and data).
    KEY_FIELDS = ("steps", "batch_size", "seed", "init_from", "init_from_part", "bar_teacher",
                  "bar_code_steps", "scale_schedules", "transpose")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> "TrainSettings":
        """Settings from a `train:` block (or the CLI's flags), checked against the schema:
        ConfigError naming every bad key (`train.steps`, ...)."""
        return cls(**_checked(values))

    def validate(self) -> None:
        """ConfigError naming every setting the schema refuses (one built in code, not read)."""
        _checked(self.as_dict())

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def training_converter(self, converter: Any) -> Any:
        """`converter` transposing training draws as `transpose` says (ValueError for a range
        its family cannot take)."""
        if self.transpose is True:
            return converter
        if not hasattr(converter, "with_transposition"):  # GrooVAE: drum performances
            if self.transpose is False:
                return converter
            raise ValueError(f"train.transpose {self.transpose}: GrooVAE configs have no "
                             "transposition (drum classes, not pitches); leave it out")
        return converter.with_transposition(
            None if self.transpose is False else tuple(self.transpose))

    def key_values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.KEY_FIELDS}


def stored_hparams(init_from: str | None, config_name: str) -> str:
    """The hparams a Serenade checkpoint was trained with, when fine-tuning from one with the
    same config ("" otherwise: magenta checkpoints carry none, and one not built yet is read
    when its job runs)."""
    if not init_from:
        return ""
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
    settings.training_converter(config.converter)  # refuses a range the family cannot take
    changes: dict[str, Any] = {}
    if settings.batch_size is not None:
        changes["batch_size"] = int(settings.batch_size)
    if settings.scale_schedules and settings.init_from and settings.init_from_part == "all":
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
