"""Floating-point work of a MusicVAE config per example, counted as magenta's graph computes it.

Every LSTM step multiplies [x, h] by its kernel [input + units, 4 * units] (one-hot inputs
counted as dense, as magenta feeds them), every Dense layer its inputs by its kernel; 2 FLOPs
per multiply-add. Elementwise work (gates, softmax) is left out: it is small beside the
products, and the peak it is compared with (`bench/peak.py`) is a matmul peak. A train step
costs 3x the forward products (the backward pass computes two products per forward one), plus
the free-running pass of scheduled sampling (forward only) where the config samples.

    cat-mel_2bar_small: 0.23 GFLOP forward, 0.77 GFLOP a train step (with scheduled sampling)
"""

from __future__ import annotations


def lstm_stack(input_size: int, layers: list[int], steps: int, directions: int = 1) -> float:
    """Forward FLOPs of stacked LSTM layers over `steps` (layer i reads layer i-1's outputs,
    both directions' concatenated for a bidirectional stack)."""
    total, size_in = 0.0, input_size
    for units in layers:
        total += directions * steps * 2.0 * (size_in + units) * 4 * units
        size_in = directions * units
    return total


def dense(inputs: int, outputs: int, rows: int = 1) -> float:
    return 2.0 * inputs * outputs * rows


def forward_flops(config) -> dict[str, float]:
    """Forward FLOPs per example by part: encoder, posterior, decoder (and conductor)."""
    hp = config.hparams
    steps, z = int(hp.max_seq_len), int(hp.z_size)
    # a GrooVAE step is float hits, velocities and offsets, in and out (no class parts)
    depth = config.converter.output_depth if config.groove else sum(config.part_depths)
    control = config.control_depth
    enc = [int(u) for u in hp.enc_rnn_size]
    dec = [int(u) for u in hp.dec_rnn_size]
    parts = {}
    if config.encoder_level_lengths:
        size_in, length = depth, steps
        parts["encoder"] = 0.0
        for level, segment in enumerate(config.encoder_level_lengths):
            segments = length // segment
            parts["encoder"] += segments * lstm_stack(size_in, enc, segment, directions=2)
            size_in, length = 2 * enc[-1], segments
    else:
        parts["encoder"] = lstm_stack(depth + control, enc, steps, directions=2)
    parts["posterior"] = 2 * dense(2 * enc[-1], z)
    if config.hierarchical:
        bars, length = config.hierarchical.level_lengths
        cores = len(config.part_depths) if config.hierarchical.split_parts else 1
        core_depths = config.part_depths if cores > 1 else (depth,)
        parts["conductor"] = (dense(z, 2 * sum(dec)) + lstm_stack(1, dec, bars))
        parts["decoder"] = sum(
            bars * (dense(dec[-1], 2 * sum(dec)) + lstm_stack(d + dec[-1], dec, length)
                    + dense(dec[-1], d, length)) for d in core_depths)
    else:
        parts["decoder"] = (dense(z, 2 * sum(dec)) + lstm_stack(depth + z + control, dec, steps)
                            + dense(dec[-1], depth, steps))
    return parts


def train_flops(config) -> float:
    """FLOPs of one training example: 3x the forward products, plus scheduled sampling's
    free-running decoder pass where the config samples."""
    parts = forward_flops(config)
    total = 3.0 * sum(parts.values())
    if config.hparams.sampling_schedule != "constant" or config.hparams.sampling_rate > 0:
        total += parts["decoder"] + parts.get("conductor", 0.0)
    return total


def sample_flops(config) -> float:
    """FLOPs of decoding one sample from z (the decoder's forward products)."""
    parts = forward_flops(config)
    return parts["decoder"] + parts.get("conductor", 0.0)
