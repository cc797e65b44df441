"""The model of a config: its entry in `serenade.registry` made a `ModelConfig`.

Each config's hparams are magenta's defaults (base model + LSTM models) with the entry's own
overrides on top, exactly as magenta's `configs.py` merges them; the configs themselves (and
the `*_tiny` ones of ours, small layers for tests) are listed in `serenade.registry` only.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any

from serenade.models.hparams import HParams
from serenade.registry import Hierarchy, config_entry


def default_hparams() -> HParams:
    """magenta's base-model defaults merged with its LSTM-model defaults."""
    return HParams(
        # base_model.get_default_hparams
        max_seq_len=32,
        z_size=32,
        free_bits=0.0,
        max_beta=1.0,
        beta_rate=0.0,
        batch_size=512,
        grad_clip=1.0,
        clip_mode="global_norm",
        grad_norm_clip_to_zero=10000,
        learning_rate=0.001,
        decay_rate=0.9999,
        min_learning_rate=0.00001,
        # lstm_models.get_default_hparams
        conditional=True,
        dec_rnn_size=[512],
        enc_rnn_size=[256],
        dropout_keep_prob=1.0,
        sampling_schedule="constant",
        sampling_rate=0.0,
        use_cudnn=False,
        residual_encoder=False,
        residual_decoder=False,
        control_preprocessing_rnn_size=[256],
    )


@dataclass
class ModelConfig:
    """A named model: architecture kind, hparams and the data converter it expects."""

    name: str
    hparams: HParams
    hierarchical: Hierarchy | None = None
    description: str = ""
    # magenta's HierarchicalLstmEncoder level_lengths (steps per segment, lowest level first;
    # serenade.models.hierarchical_encoder), or None for one bidirectional encoder
    encoder_level_lengths: tuple[int, ...] | None = None
    # "classes": int class windows (every family but GrooVAE); "groove": float windows of hits,
    # velocities and offsets (magenta's GrooveLstmDecoder: serenade.models.groove)
    window_kind: str = "classes"

    @property
    def groove(self) -> bool:
        """A GrooVAE config: float [T, 3 * drums] windows, not class indices."""
        return self.window_kind == "groove"

    def _classes_only(self, what: str) -> None:
        if self.groove:
            raise ValueError(f"config {self.name} is a GrooVAE config: its windows are float "
                             f"hits, velocities and offsets per step, not classes ({what})")

    @property
    def converter(self) -> Any:
        """The data converter of this config's windows (`serenade.conversion`; imported on
        use, as it loads note-seq)."""
        from serenade.conversion import converter_for_config

        return converter_for_config(self.name)

    @property
    def part_depths(self) -> tuple[int, ...]:
        """Classes of each part of a step: (90,) melody events, (512,) drum combinations
        ((2**61,) for the full kit's bit masks), (90, 90, 512) a trio's melody, bass and drums.
        ValueError for a GrooVAE config, whose windows are not classes."""
        self._classes_only("part_depths")
        return tuple(int(d) for d in self.converter.part_depths)

    @property
    def output_depth(self) -> int:
        """Width of the logits: the parts' class counts added up (a GrooVAE config's: hit,
        velocity and offset per drum class, 27)."""
        if self.groove:
            return int(self.converter.output_depth)
        return sum(self.part_depths)

    @property
    def multi_label(self) -> bool:
        """A NADE over the step's bits (magenta's MultiLabelRnnNadeDecoder): the configs that
        bring the NADE's hparam."""
        return "nade_num_hidden" in self.hparams

    @property
    def decoder_inputs(self) -> Any:
        """How the decoder is fed each class: a `BitInputs` (its bits), or None for one-hot."""
        return self.converter.decoder_inputs

    @property
    def encoder_inputs(self) -> Any:
        """How the encoder reads each class: a `BitInputs` (its bits), or None for one-hot."""
        return self.converter.encoder_inputs

    @property
    def control_depth(self) -> int:
        """Width of the control vector of each step (a chord's one-hot: magenta's
        `control_depth`), 0 for configs without controls."""
        return int(getattr(self.converter, "control_depth", 0))

    @property
    def padded(self) -> bool:
        """Windows of padded segments (magenta's multi-instrument performances: each track
        padded with class -1 rows up to 64): the encoder reads each track up to its length and
        the loss leaves the padding out."""
        return bool(getattr(self.converter, "padded_tracks", False))

    @property
    def takes_chords(self) -> bool:
        """Whether the model is conditioned on a chord per step (the controls of every config
        with controls but GrooVAE's, whose are the drum hits)."""
        return bool(self.control_depth) and not self.groove

    @property
    def window_steps(self) -> int:
        return int(self.hparams.max_seq_len)


def validate_hparams(name: str, hparams: HParams, hierarchical: Hierarchy | None,
                     encoder_level_lengths: tuple[int, ...] | None = None,
                     window_kind: str = "classes") -> None:
    """Reject hparams this implementation cannot honour, with the reason."""
    for key in ("enc_rnn_size", "dec_rnn_size"):
        sizes = getattr(hparams, key)
        if not sizes or any(int(s) <= 0 for s in sizes):
            raise ValueError(f"config {name}: {key} must be a non-empty list of positive sizes, got {sizes}")
    for key in ("batch_size", "max_seq_len"):
        if int(getattr(hparams, key)) < 1:
            raise ValueError(f"config {name}: {key} must be at least 1, got {getattr(hparams, key)}")
    if hparams.z_size <= 0 or not hparams.conditional:
        raise ValueError(f"config {name}: only conditional models with z_size > 0 are supported")
    if hparams.residual_encoder or hparams.residual_decoder:
        raise ValueError(f"config {name}: residual_encoder/residual_decoder are not supported")
    if not 0.0 < hparams.dropout_keep_prob <= 1.0:
        raise ValueError(f"config {name}: dropout_keep_prob must be in (0, 1]")
    if hierarchical and math.prod(hierarchical.level_lengths) != hparams.max_seq_len:
        raise ValueError(
            f"config {name}: max_seq_len ({hparams.max_seq_len}) must equal the product of the "
            f"hierarchy's level lengths {list(hierarchical.level_lengths)}")
    if encoder_level_lengths and math.prod(encoder_level_lengths) != hparams.max_seq_len:
        raise ValueError(
            f"config {name}: max_seq_len ({hparams.max_seq_len}) must equal the product of the "
            f"hierarchical encoder's level lengths {list(encoder_level_lengths)}")
    schedule = hparams.sampling_schedule
    if schedule not in ("constant", "inverse_sigmoid", "exponential", ""):
        raise ValueError(f"config {name}: unknown sampling_schedule {schedule!r}")
    if window_kind == "groove" and (schedule not in ("constant", "") or hparams.sampling_rate):
        raise ValueError(f"config {name}: GrooVAE models train with teacher forcing (as "
                         "magenta's GrooVAE configs); scheduled sampling (sampling_schedule "
                         f"{schedule!r}, sampling_rate {hparams.sampling_rate}) is not supported")


def check_class_windows(config: ModelConfig, user: str) -> ModelConfig:
    """The config, or ValueError when it is a GrooVAE config (float windows), which `user`
    (a command of class windows: journey, attributes...) does not take."""
    if config.groove:
        raise ValueError(
            f"config {config.name} is a GrooVAE config (float windows of drum hits, velocities "
            f"and offsets): {user} takes configs of class windows only for now; GrooVAE models "
            "train with `serenade train` and run with `serenade encode`, `decode`, `sample` and "
            "`interpolate`, `serenade groove` (humanize, tap, add-hihat; `serenade groove "
            "quality` for their figures), `serenade export-js` (magenta.js), or from Python "
            "(serenade.models.checkpoint.load_model, serenade.groove.jobs)")
    return config


def get_config(name: str, hparams: str = "") -> ModelConfig:
    """The config called `name` (magenta's spelling) with magenta-syntax `hparams` overrides;
    ValueError naming the known configs for a name `serenade.registry` does not know."""
    entry = config_entry(name)
    values = default_hparams().merged(HParams(**copy.deepcopy(dict(entry.hparams)))).parse(hparams)
    validate_hparams(name, values, entry.hierarchical, entry.encoder_level_lengths,
                     entry.window_kind)
    return ModelConfig(name=name, hparams=values, hierarchical=entry.hierarchical,
                       description=entry.description,
                       encoder_level_lengths=entry.encoder_level_lengths,
                       window_kind=entry.window_kind)
