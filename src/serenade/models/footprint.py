"""What training a config needs in memory, estimated from its sizes before anything is built.

A size no machine can hold (`z_size=1000000000`, a batch of a billion) must be refused in one
line naming the hparams, not after a TensorFlow allocation error. The estimate counts the
weights of magenta's layers (bidirectional encoder, z projections, decoder LSTMs, output layer),
four copies of them while training (weights, gradients, Adam's two moments) and the LSTM
activations kept for the backward pass (at least each cell's state and output per step). It
is a lower bound (gates, a hierarchical decoder's or encoder's levels are left out), so a
config it refuses cannot train here, and one it passes may still not fit.
"""

from __future__ import annotations

import os

from serenade.models.configs import ModelConfig

_FLOAT = 4  # bytes: weights and activations are float32
_COPIES = 4  # weights, gradients, Adam m and v
_SAVED_PER_CELL = 2  # cell state and output of each LSTM cell per step


def _lstm_weights(inputs: int, sizes: list[int], directions: int = 1) -> tuple[int, int]:
    """(weights, width of the last layer's output) of stacked LSTM layers."""
    count = 0
    for size in sizes:
        count += directions * 4 * size * (inputs + size + 1)
        inputs = directions * size
    return count, inputs


def _input_width(inputs, depths: tuple[int, ...]) -> int:
    """Width of one step's input: its bits for bit-read classes, else the one-hot classes."""
    return inputs.depth if inputs is not None else sum(depths)


def weight_count(config: ModelConfig) -> int:
    """The model's weights (flat encoder and decoder; see the module docstring)."""
    hp = config.hparams
    if config.groove:  # float steps: the converter's input and output vectors
        enc_in = config.converter.input_depth + config.control_depth
        outputs = config.output_depth
        dec_in = outputs + config.control_depth + hp.z_size
    else:
        depths = config.part_depths
        enc_in = _input_width(config.encoder_inputs, depths) + config.control_depth
        dec_in = _input_width(config.decoder_inputs, depths) + config.control_depth + hp.z_size
        outputs = (hp.nade_num_hidden * 2 if config.multi_label else 1) * (
            config.decoder_inputs.depth if config.decoder_inputs is not None else sum(depths))
    encoder, encoded = _lstm_weights(enc_in, list(hp.enc_rnn_size), directions=2)
    decoder, last = _lstm_weights(dec_in, list(hp.dec_rnn_size))
    latent = 2 * (encoded + 1) * hp.z_size
    initial_state = (hp.z_size + 1) * 2 * sum(hp.dec_rnn_size)
    return encoder + latent + initial_state + decoder + (last + 1) * outputs


def training_bytes(config: ModelConfig, batch_size: int | None = None) -> int:
    """Bytes training `config` needs at least (batch_size: its hparams' unless given)."""
    hp = config.hparams
    batch = int(batch_size or hp.batch_size)
    cells = 2 * sum(hp.enc_rnn_size) + sum(hp.dec_rnn_size)
    activations = batch * hp.max_seq_len * (cells * _SAVED_PER_CELL + 4 * hp.z_size)
    return _FLOAT * (_COPIES * weight_count(config) + activations)


def machine_memory() -> int:
    """This machine's physical memory in bytes (0 where the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return 0


def gib(size: int) -> str:
    return f"{size / 2**30:,.1f} GiB"


def check_training_fits(config: ModelConfig, batch_size: int | None = None,
                        memory: int | None = None) -> None:
    """ValueError when training `config` needs more than `memory` (this machine's) bytes."""
    memory = machine_memory() if memory is None else memory
    needed = training_bytes(config, batch_size)
    if memory and needed > memory:
        hp = config.hparams
        raise ValueError(
            f"training {config.name} needs at least {gib(needed)} ({weight_count(config):,} "
            f"weights, batch {batch_size or hp.batch_size}, z_size {hp.z_size}, enc_rnn_size "
            f"{list(hp.enc_rnn_size)}, dec_rnn_size {list(hp.dec_rnn_size)}), more than this "
            f"machine's {gib(memory)} of memory")
