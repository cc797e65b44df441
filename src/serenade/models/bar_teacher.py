"""A trained 2-bar model as the teacher of a hierarchical (16-bar) one.

A hierarchical decoder's core decodes each segment from the conductor's embedding of it exactly
as a flat decoder decodes a window from z: the same layers, fed the previous event and the
condition at every step, its state set from the condition. So a trained 2-bar melody decoder
can be the core decoder, and it already turns a code into music well. Two layouts fit:
- segments of one bar (`hierdec-mel_16bar`): the core decodes bar k as the teacher decodes the
  2-bar window of bars k and k+1 (the last bar paired with itself), the first half of its
  window; on the 16-bar pretraining corpus it gives back 0.88 of each bar's onsets from the
  teacher's own codes;
- segments of two bars (`hier-mel_16bar_2bar_units`): the core decodes each 2-bar unit as the
  teacher decodes it. When the hierarchical encoder's lowest level also reads 2-bar units with
  the teacher's encoder sizes, the teacher's encoder becomes that level: every unit's encoding
  then already holds the teacher's code of it.
What is left to learn is the phrase level: which code each segment needs.

The conductor's embeddings are LSTM outputs in (-1, 1), while the teacher's codes spread over
the prior's range, so the teacher's condition weights are multiplied by CODE_SCALE: the core
decodes an embedding e as the teacher decodes CODE_SCALE * e, and the teacher's code of a
segment, divided by CODE_SCALE, is the embedding that segment needs.

`code_terms` is the objective of a warm-up that trains the encoder and conductor to emit, for
each segment, the teacher's code of its window, each dimension weighted by the teacher's
posterior precision: an error within the teacher's own uncertainty costs little, a dimension
the teacher leaves unused costs almost nothing. The teacher's encoder is only read (a level
taught by it stays as it is); the core decoder is not in this objective.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from serenade.models import magenta_layout as layout
from serenade.models import objective

# Teacher codes within +-CODE_SCALE * 0.95 (the prior's 2.7 sigma) fit the conductor's range;
# 99.9% of the 2-bar model's posterior means on its corpus do (the rest are clipped).
CODE_SCALE = 2.8
_REACH = 0.95  # the share of the conductor's (-1, 1) range the targets use


def segments_per_window(model, teacher) -> int:
    """How many of the core decoder's segments one teacher window covers (1 or 2 when it
    fits)."""
    segment = model.config.hierarchical.level_lengths[1]
    return teacher.window_steps // segment if teacher.window_steps % segment == 0 else 0


def teaches_encoder(model, teacher) -> bool:
    """Whether `teacher`'s encoder can be the lowest level of `model`'s hierarchical encoder:
    that level reads windows of the teacher's length with the same layers and events."""
    levels = model.config.encoder_level_lengths
    if not levels or model.control_depth or model.padded:
        return False
    lowest, flat = model.encoder.levels[0], teacher.encoder
    return (levels[0] == teacher.window_steps and flat.layer_sizes == lowest.layer_sizes
            and tuple(flat.part_depths) == tuple(lowest.part_depths)
            and flat.input_depth == lowest.input_depth and not flat.rows.control_depth)


def check_teacher(model, teacher) -> None:
    """ValueError unless `teacher`'s decoder can be `model`'s core decoder, segment for
    segment."""
    config, teacher_config = model.config, teacher.config
    problems = []
    hierarchy = config.hierarchical
    if hierarchy is None or hierarchy.split_parts or model.control_depth:
        problems.append(f"{config.name} has no single core decoder (a hierarchical config "
                        "without split parts or controls is needed)")
    if teacher_config.hierarchical or getattr(teacher_config, "groove", False) \
            or teacher.control_depth or teacher_config.multi_label:
        problems.append(f"the teacher ({teacher_config.name}) must have a flat categorical "
                        "decoder without controls")
    if not problems:
        segment = hierarchy.level_lengths[1]
        core, flat = model.decoder.cores[0], teacher.decoder
        if tuple(teacher.part_depths) != tuple(model.part_depths):
            problems.append(f"event classes {list(teacher.part_depths)} vs "
                            f"{list(model.part_depths)}")
        if flat.layer_sizes != core.layer_sizes:
            problems.append(f"decoder layers {flat.layer_sizes} vs the core's {core.layer_sizes}")
        if teacher.z_size != core.condition_size:
            problems.append(f"z_size {teacher.z_size} vs the conductor's embedding size "
                            f"{core.condition_size}")
        if segments_per_window(model, teacher) not in (1, 2):
            problems.append(f"windows of {teacher.window_steps} steps vs segments of "
                            f"{segment} (one or two segments are needed)")
    if problems:
        raise ValueError(f"{teacher_config.name} cannot teach {config.name}: "
                         + "; ".join(problems))


def taught_weights(model, teacher, weights: dict[str, np.ndarray] | None = None
                   ) -> dict[str, np.ndarray]:
    """`weights` (magenta names; default: `model`'s own) with the core decoder's taken from
    `teacher`'s decoder, the condition's weights scaled by CODE_SCALE, and, where it fits
    (`teaches_encoder`), the encoder's lowest level from the teacher's encoder."""
    check_teacher(model, teacher)
    core = model.decoder.cores[0]
    scaled = {layout.kernel_and_bias(core.scopes.initial_state)[0]: slice(None),
              layout.kernel_and_bias(core.scopes.cell(0))[0]: core.rows.condition}
    weights = dict(model.numpy_weights() if weights is None else weights)
    for name, value in _renamed(teacher.decoder.magenta_variables(), teacher.decoder.scopes.prefix,
                                core.magenta_variables(), core.scopes.prefix).items():
        if name in scaled:
            value[scaled[name]] *= CODE_SCALE
        weights[name] = value
    if teaches_encoder(model, teacher):
        lowest = layout.hierarchical_encoder_level(0)
        weights.update(_renamed(teacher.encoder.magenta_variables(), layout.ENCODER,
                                model.encoder.levels[0].magenta_variables(lowest), lowest))
    return weights


def _renamed(source: dict[str, tf.Variable], source_prefix: str,
             target: dict[str, tf.Variable], target_prefix: str) -> dict[str, np.ndarray]:
    """The values of `source`'s variables under the names of `target`'s (the same layers
    under another scope)."""
    return {name: np.array(source[source_prefix + name[len(target_prefix):]].numpy())
            for name in target}


def teacher_windows(windows: tf.Tensor, segment_steps: int, span: int) -> tf.Tensor:
    """The teacher's window of each segment of windows [B, S * L]: [B * S, span * L], the
    segment itself (span 1) or with the next (span 2; the last with itself)."""
    batch = tf.shape(windows)[0]
    segments = tf.reshape(windows, [batch, -1, segment_steps])
    if span == 1:
        return tf.reshape(segments, [-1, segment_steps])
    following = tf.concat([segments[:, 1:], segments[:, -1:]], axis=1)
    return tf.reshape(tf.concat([segments, following], axis=2), [-1, 2 * segment_steps])


def segment_codes(model, teacher, windows: tf.Tensor, encodings: tf.Tensor | None = None
                  ) -> tuple[tf.Tensor, tf.Tensor]:
    """The conductor's targets [B, S, z] for windows [B, S * L] (the teacher's posterior mean
    of each segment's window, over CODE_SCALE and clipped to the conductor's reach) and
    their precision (1 / sigma^2 in the same units). `encodings` [B * S, depth]: the teacher
    encoder's encodings of the segments, when they are at hand (a taught encoder level's)."""
    if encodings is None:
        segment_steps = model.config.hierarchical.level_lengths[1]
        span = segments_per_window(model, teacher)
        encodings = teacher.encoder(teacher_windows(windows, segment_steps, span),
                                    training=False)
    mu, sigma = teacher.latent(encodings)
    shape = [tf.shape(windows)[0], -1, teacher.z_size]
    targets = tf.clip_by_value(tf.cast(mu, tf.float32) / CODE_SCALE, -_REACH, _REACH)
    precision = tf.square(CODE_SCALE / tf.cast(sigma, tf.float32))
    return (tf.stop_gradient(tf.reshape(targets, shape)),
            tf.stop_gradient(tf.reshape(precision, shape)))


def code_terms(model, teacher, batch, *, free_bits: float, training: bool = False,
               **_unused) -> objective.Terms:
    """The warm-up objective's terms for a batch of windows: r_loss is the precision-weighted
    squared error of the conductor's embeddings [B] (nats under the teacher's posterior, up to
    a constant); the KL is the model's own. No events are predicted (`predictions` None).

    An encoder level the teacher's encoder became (`teaches_encoder`) is left as it is: the
    job sets it from the teacher (`taught_weights`) and the warm-up passes it no gradient, so
    its encodings are the teacher's and the targets are read from them."""
    windows, _ = objective.batch_parts(batch)
    windows = tf.cast(windows, model.index_dtype)
    if teaches_encoder(model, teacher):
        encoding, lowest = model.encoder.with_lowest(windows, training=training,
                                                     frozen_levels=1)
        mu, sigma = model.latent(encoding)
        targets, precision = segment_codes(model, teacher, windows, lowest)
    else:
        mu, sigma = model.posterior(windows, training=training)
        targets, precision = segment_codes(model, teacher, windows)
    z = mu + sigma * tf.random.normal(tf.shape(mu), dtype=mu.dtype)
    embeddings = tf.transpose(model.decoder.conduct(z, training), [1, 0, 2])
    error = tf.cast(embeddings, tf.float32) - targets
    code_loss = 0.5 * tf.reduce_sum(precision * tf.square(error), axis=[1, 2])
    kl_dims, kl, kl_cost = objective.latent_terms(mu, sigma, free_bits)
    return objective.Terms(code_loss, kl_dims, kl, kl_cost, correct=None, predictions=None,
                           parts={"code_loss": code_loss})
