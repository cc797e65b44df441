"""A trained 2-bar model as the teacher of a hierarchical (16-bar) one.

A hierarchical decoder's core decodes each bar from the conductor's embedding of it exactly as
a flat decoder decodes a window from z: the same layers, fed the previous event and the
condition at every step, its state set from the condition. So a trained 2-bar melody decoder
can be the core decoder, and it already turns a code into a bar well (on the 16-bar pretraining
corpus it gives back 0.88 of each bar's onsets from the teacher's own codes). What is left to
learn is the conductor's job: which code each bar needs.

The conductor's embeddings are LSTM outputs in (-1, 1), while the teacher's codes spread over
the prior's range, so the teacher's condition weights are multiplied by CODE_SCALE: the core
decodes an embedding e as the teacher decodes CODE_SCALE * e, and the teacher's code of a bar,
divided by CODE_SCALE, is the embedding that bar needs.

`code_terms` is the objective of a warm-up that trains the encoder and conductor to emit, for
each bar, the teacher's code of the 2-bar window that starts at it (the last bar paired with
itself), each dimension weighted by the teacher's posterior precision: an error within the
teacher's own uncertainty costs little, a dimension the teacher leaves unused costs almost
nothing. The teacher's encoder is only read; the core decoder is not in this objective.
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


def check_teacher(model, teacher) -> None:
    """ValueError unless `teacher`'s decoder can be `model`'s core decoder, bar for bar."""
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
        if teacher.window_steps != 2 * segment:
            problems.append(f"windows of {teacher.window_steps} steps vs two segments of "
                            f"{segment}")
    if problems:
        raise ValueError(f"{teacher_config.name} cannot teach {config.name}: "
                         + "; ".join(problems))


def core_weights(model, teacher, weights: dict[str, np.ndarray] | None = None
                 ) -> dict[str, np.ndarray]:
    """`weights` (magenta names; default: `model`'s own) with the core decoder's taken from
    `teacher`'s decoder, the condition's weights scaled by CODE_SCALE."""
    check_teacher(model, teacher)
    core = model.decoder.cores[0]
    taught = teacher.decoder.magenta_variables()
    source_prefix, target_prefix = teacher.decoder.scopes.prefix, core.scopes.prefix
    scaled = {layout.kernel_and_bias(core.scopes.initial_state)[0]: slice(None),
              layout.kernel_and_bias(core.scopes.cell(0))[0]: core.rows.condition}
    weights = dict(model.numpy_weights() if weights is None else weights)
    for name in core.magenta_variables():
        value = np.array(taught[source_prefix + name[len(target_prefix):]].numpy())
        if name in scaled:
            value[scaled[name]] *= CODE_SCALE
        weights[name] = value
    return weights


def paired_bars(windows: tf.Tensor, segment_steps: int) -> tf.Tensor:
    """Each segment of windows [B, S * L] with the next (the last with itself): [B * S, 2L]."""
    batch = tf.shape(windows)[0]
    bars = tf.reshape(windows, [batch, -1, segment_steps])
    following = tf.concat([bars[:, 1:], bars[:, -1:]], axis=1)
    return tf.reshape(tf.concat([bars, following], axis=2), [-1, 2 * segment_steps])


def bar_codes(teacher, windows: tf.Tensor, segment_steps: int
              ) -> tuple[tf.Tensor, tf.Tensor]:
    """The conductor's targets [B, S, z] for windows [B, S * L] (the teacher's posterior mean
    of each bar's 2-bar window, over CODE_SCALE and clipped to the conductor's reach) and
    their precision (1 / sigma^2 in the same units)."""
    mu, sigma = teacher.posterior(paired_bars(windows, segment_steps), training=False)
    shape = [tf.shape(windows)[0], -1, teacher.z_size]
    targets = tf.clip_by_value(tf.cast(mu, tf.float32) / CODE_SCALE, -_REACH, _REACH)
    precision = tf.square(CODE_SCALE / tf.cast(sigma, tf.float32))
    return (tf.stop_gradient(tf.reshape(targets, shape)),
            tf.stop_gradient(tf.reshape(precision, shape)))


def code_terms(model, teacher, batch, *, free_bits: float, training: bool = False,
               **_unused) -> objective.Terms:
    """The warm-up objective's terms for a batch of windows: r_loss is the precision-weighted
    squared error of the conductor's embeddings [B] (nats under the teacher's posterior, up to
    a constant); the KL is the model's own. No events are predicted (`predictions` None)."""
    windows, _ = objective.batch_parts(batch)
    windows = tf.cast(windows, model.index_dtype)
    segment_steps = model.config.hierarchical.level_lengths[1]
    targets, precision = bar_codes(teacher, windows, segment_steps)
    mu, sigma = model.posterior(windows, training=training)
    z = mu + sigma * tf.random.normal(tf.shape(mu), dtype=mu.dtype)
    embeddings = tf.transpose(model.decoder.conduct(z, training), [1, 0, 2])
    error = tf.cast(embeddings, tf.float32) - targets
    code_loss = 0.5 * tf.reduce_sum(precision * tf.square(error), axis=[1, 2])
    kl_dims, kl, kl_cost = objective.latent_terms(mu, sigma, free_bits)
    return objective.Terms(code_loss, kl_dims, kl, kl_cost, correct=None, predictions=None,
                           parts={"code_loss": code_loss})
