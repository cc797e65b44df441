"""Model configs by magenta's names, with magenta's hparams.

Each config's hparams are magenta's defaults (base model + LSTM models) with the config's own
overrides on top, exactly as magenta's `configs.py` merges them. The `*_tiny` configs are ours:
the same structure with small layers, for tests and quick experiments.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any

from serenade.models.hparams import HParams


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


@dataclass(frozen=True)
class Hierarchy:
    """How a hierarchical decoder splits the output: `level_lengths` = [bars, steps per bar].

    As magenta's hierdec configs: the conductor runs level_lengths[0] steps with zero inputs
    (autoregression disabled) and the core decoder level_lengths[1] steps per conductor step.
    """

    level_lengths: tuple[int, ...] = (16, 16)
    disable_autoregression: bool = True
    split_parts: bool = False  # one core decoder per part (magenta's SplitMultiOutLstmDecoder)


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
    converter_name: str = field(default="", repr=False)

    @property
    def converter(self) -> Any:
        """The data converter of this config's windows (`serenade.conversion`; imported on
        use, as it loads note-seq)."""
        from serenade.conversion import converter_for_config

        return converter_for_config(self.converter_name or self.name)

    @property
    def part_depths(self) -> tuple[int, ...]:
        """Classes of each part of a step: (90,) melody events, (512,) drum combinations
        ((2**61,) for the full kit's bit masks), (90, 90, 512) a trio's melody, bass and drums."""
        return tuple(int(d) for d in self.converter.part_depths)

    @property
    def output_depth(self) -> int:
        """Width of the logits: the parts' class counts added up."""
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
    def takes_chords(self) -> bool:
        """Whether the model is conditioned on a chord per step (its only kind of control)."""
        return bool(self.control_depth)

    @property
    def window_steps(self) -> int:
        return int(self.hparams.max_seq_len)


_MEL_2BAR = dict(
    batch_size=512, max_seq_len=32, free_bits=0.0, beta_rate=0.99999,
    sampling_schedule="inverse_sigmoid", sampling_rate=1000.0)
_MEL_16BAR = dict(batch_size=512, max_seq_len=256, free_bits=256.0, max_beta=0.2)
_TRIO_16BAR = dict(batch_size=256, max_seq_len=256)
_DRUMS_2BAR = dict(batch_size=512, max_seq_len=32, free_bits=48.0, max_beta=0.2,
                   sampling_schedule="inverse_sigmoid", sampling_rate=1000.0)

_REGISTRY: dict[str, tuple[dict[str, Any], Hierarchy | None, str]] = {
    "cat-mel_2bar_small": (
        dict(_MEL_2BAR, z_size=256, enc_rnn_size=[512], dec_rnn_size=[256, 256], max_beta=0.2),
        None, "2-bar melody, BiLSTM [512] encoder, flat decoder [256,256], z 256"),
    "cat-mel_2bar_big": (
        dict(_MEL_2BAR, z_size=512, enc_rnn_size=[2048], dec_rnn_size=[2048, 2048, 2048],
             max_beta=0.5),
        None, "2-bar melody, BiLSTM [2048] encoder, flat decoder [2048]x3, z 512"),
    "flat-mel_16bar": (
        dict(_MEL_16BAR, z_size=512, enc_rnn_size=[2048, 2048], dec_rnn_size=[2048, 2048, 2048]),
        None, "16-bar melody, BiLSTM [2048,2048] encoder, flat decoder [2048]x3, z 512"),
    "hierdec-mel_16bar": (
        dict(_MEL_16BAR, z_size=512, enc_rnn_size=[2048, 2048], dec_rnn_size=[1024, 1024]),
        Hierarchy((16, 16)),
        "16-bar melody, BiLSTM [2048,2048] encoder, conductor + core decoder [1024,1024], z 512"),
    "hier-mel_16bar": (
        dict(_MEL_16BAR, z_size=512, enc_rnn_size=[1024], dec_rnn_size=[1024, 1024]),
        Hierarchy((16, 16)),
        "16-bar melody, hierarchical BiLSTM [1024] encoder (bars, then the 16 bar encodings), "
        "conductor + core decoder [1024,1024], z 512"),
    "cat-drums_2bar_small": (
        dict(_DRUMS_2BAR, z_size=256, enc_rnn_size=[512], dec_rnn_size=[256, 256]),
        None, "2-bar drums (9 classes, 512 combinations), BiLSTM [512] encoder, flat decoder "
              "[256,256], z 256"),
    "cat-drums_2bar_big": (
        dict(_DRUMS_2BAR, z_size=512, enc_rnn_size=[2048], dec_rnn_size=[2048, 2048, 2048]),
        None, "2-bar drums (9 classes, 512 combinations), BiLSTM [2048] encoder, flat decoder "
              "[2048]x3, z 512"),
    "nade-drums_2bar_reduced": (
        dict(_DRUMS_2BAR, z_size=256, enc_rnn_size=[1024], dec_rnn_size=[512, 512],
             nade_num_hidden=128),
        None, "2-bar drums (9 classes as bits), BiLSTM [1024] encoder, flat decoder [512,512] "
              "with a NADE over the bits, z 256"),
    "nade-drums_2bar_full": (
        dict(_DRUMS_2BAR, z_size=256, enc_rnn_size=[1024], dec_rnn_size=[512, 512],
             nade_num_hidden=128),
        None, "2-bar drums (61 General MIDI drum pitches as bits), BiLSTM [1024] encoder, flat "
              "decoder [512,512] with a NADE over the bits, z 256"),
    "cat-mel_2bar_med_chords": (
        dict(batch_size=512, max_seq_len=32, z_size=256, enc_rnn_size=[1024],
             dec_rnn_size=[512, 512, 512]),
        None, "2-bar melody conditioned on a triad chord per step, BiLSTM [1024] encoder, flat "
              "decoder [512]x3, z 256"),
    "flat-trio_16bar": (
        dict(_TRIO_16BAR, z_size=512, enc_rnn_size=[2048, 2048], dec_rnn_size=[2048, 2048, 2048]),
        None, "16-bar trio (melody, bass, drums), BiLSTM [2048,2048] encoder, flat decoder "
              "[2048]x3 with one softmax per part, z 512"),
    "hierdec-trio_16bar": (
        dict(_TRIO_16BAR, z_size=512, enc_rnn_size=[2048, 2048], dec_rnn_size=[1024, 1024],
             free_bits=256.0, max_beta=0.2),
        Hierarchy((16, 16), split_parts=True),
        "16-bar trio (melody, bass, drums), BiLSTM [2048,2048] encoder, conductor + one core "
        "decoder [1024,1024] per part, z 512"),
    "hier-trio_16bar": (
        dict(_TRIO_16BAR, z_size=512, enc_rnn_size=[1024], dec_rnn_size=[1024, 1024],
             free_bits=256.0, max_beta=0.2),
        Hierarchy((16, 16), split_parts=True),
        "16-bar trio (melody, bass, drums), hierarchical BiLSTM [1024] encoder (bars, then the "
        "16 bar encodings), conductor + one core decoder [1024,1024] per part, z 512"),
    # Ours: same structure, small layers, for tests and quick runs.
    "cat-mel_2bar_tiny": (
        dict(_MEL_2BAR, z_size=16, enc_rnn_size=[32], dec_rnn_size=[32, 32], max_beta=0.2,
             batch_size=16),
        None, "tiny 2-bar melody model for tests (cat-mel_2bar_small structure)"),
    "flat-mel_16bar_tiny": (
        dict(_MEL_16BAR, z_size=16, enc_rnn_size=[32, 32], dec_rnn_size=[32, 32], free_bits=8.0,
             batch_size=8),
        None, "tiny 16-bar flat melody model for tests (flat-mel_16bar structure)"),
    "hierdec-mel_16bar_tiny": (
        dict(_MEL_16BAR, z_size=16, enc_rnn_size=[32, 32], dec_rnn_size=[32, 32], free_bits=8.0,
             batch_size=8),
        Hierarchy((16, 16)), "tiny hierarchical 16-bar melody model for tests (hierdec-mel_16bar structure)"),
    "hierdec-trio_16bar_tiny": (
        dict(_TRIO_16BAR, z_size=16, enc_rnn_size=[32, 32], dec_rnn_size=[32, 32], free_bits=16.0,
             max_beta=0.2, batch_size=8),
        Hierarchy((16, 16), split_parts=True),
        "tiny hierarchical trio model for tests (hierdec-trio_16bar structure)"),
    "hier-mel_16bar_tiny": (
        dict(_MEL_16BAR, z_size=16, enc_rnn_size=[32], dec_rnn_size=[32, 32], free_bits=8.0,
             batch_size=8),
        Hierarchy((16, 16)),
        "tiny 16-bar melody model with hierarchical encoder and decoder for tests "
        "(hier-mel_16bar structure)"),
    "hier-trio_16bar_tiny": (
        dict(_TRIO_16BAR, z_size=16, enc_rnn_size=[32], dec_rnn_size=[32, 32], free_bits=16.0,
             max_beta=0.2, batch_size=8),
        Hierarchy((16, 16), split_parts=True),
        "tiny trio model with hierarchical encoder and decoder for tests "
        "(hier-trio_16bar structure)"),
    "cat-mel_2bar_med_chords_tiny": (
        dict(batch_size=16, max_seq_len=32, z_size=16, enc_rnn_size=[32],
             dec_rnn_size=[32, 32, 32]),
        None, "tiny chord-conditioned 2-bar melody model for tests (cat-mel_2bar_med_chords "
              "structure)"),
    "nade-drums_2bar_tiny": (
        dict(_DRUMS_2BAR, z_size=16, enc_rnn_size=[32], dec_rnn_size=[32, 32], free_bits=8.0,
             batch_size=16, nade_num_hidden=16),
        None, "tiny NADE drum model for tests (nade-drums_2bar_reduced structure)"),
    "nade-drums_2bar_full_tiny": (
        dict(_DRUMS_2BAR, z_size=16, enc_rnn_size=[32], dec_rnn_size=[32, 32], free_bits=8.0,
             batch_size=16, nade_num_hidden=16),
        None, "tiny NADE drum model over the full kit for tests (nade-drums_2bar_full structure)"),
    "cat-drums_2bar_tiny": (
        dict(_DRUMS_2BAR, z_size=16, enc_rnn_size=[32], dec_rnn_size=[32, 32], free_bits=8.0,
             batch_size=16),
        None, "tiny 2-bar drum model for tests (cat-drums_2bar_small structure)"),
}

CONFIG_NAMES: tuple[str, ...] = tuple(_REGISTRY)

# magenta's HierarchicalLstmEncoder(BidirectionalLstmEncoder, level_lengths) of the hier-*
# configs: each bar's 16 steps, then the 16 bar encodings.
_HIERARCHICAL_ENCODERS: dict[str, tuple[int, ...]] = {
    name: (16, 16) for name in ("hier-mel_16bar", "hier-trio_16bar", "hier-mel_16bar_tiny",
                                "hier-trio_16bar_tiny")}


def validate_hparams(name: str, hparams: HParams, hierarchical: Hierarchy | None,
                     encoder_level_lengths: tuple[int, ...] | None = None) -> None:
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


def get_config(name: str, hparams: str = "") -> ModelConfig:
    """The config called `name` (magenta's spelling) with magenta-syntax `hparams` overrides."""
    if name not in _REGISTRY:
        raise ValueError(f"unknown config {name!r}; known configs: {', '.join(CONFIG_NAMES)}")
    overrides, hierarchy, description = _REGISTRY[name]
    values = default_hparams().merged(HParams(**copy.deepcopy(overrides))).parse(hparams)
    encoder_levels = _HIERARCHICAL_ENCODERS.get(name)
    validate_hparams(name, values, hierarchy, encoder_levels)
    return ModelConfig(name=name, hparams=values, hierarchical=hierarchy, description=description,
                       encoder_level_lengths=encoder_levels)
