"""Evaluation on held-out windows: magenta's eval loss plus what tells a VAE's health.

- `loss`, `r_loss`, `kl_bits`: the objective as magenta's eval job computes it. A config
  trained with scheduled sampling is evaluated with the decoder fed its own samples
  (probability 1, as magenta does); others with teacher forcing.
- `active_units`: latent dimensions whose KL from the prior, averaged over the eval windows,
  exceeds 0.01 nats (a collapsed posterior has none).
- `accuracy` (teacher forced), `sampled_accuracy` (the decoder always fed its own samples) and
  `mu_accuracy` (argmax decoding from mu compared with the input: how well a window survives an
  encode/decode round trip), all over every step;
- `mu_onset_accuracy`: the same round trip on the steps where the input starts an event (a note,
  a drum hit) only (most steps are "no event", so the all-step figures flatter a model that drops the melody);
- `no_event_baseline`: the all-step accuracy of always predicting "no event", to read the
  accuracies against.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from serenade.conversion.reconstruction import no_event_share, onset_accuracy
from serenade.training import objective

ACTIVE_UNIT_NATS = 0.01


def evaluate(model, windows: np.ndarray, *, batch_size: int, beta: float, free_bits: float,
             loss_sampling_probability: float, controls: np.ndarray | None = None
             ) -> dict[str, float]:
    """Metrics over all `windows` (int [N, T]), with their controls [N, T, control_depth]
    when the model has them; keys as listed in the module docstring."""
    windows = np.asarray(windows, np.int64)  # int64: the bit masks of 61 drum classes
    if len(windows) == 0:
        raise ValueError("no eval windows: the eval split yields no windows for this config")
    controls = model.check_controls(controls, len(windows))

    @tf.function(reduce_retracing=True)
    def forward(batch, batch_controls, probability):
        out = model(batch, batch_controls, sampling_probability=probability, training=False)
        return objective.terms(batch, out, free_bits=free_bits, head=model.head), out["mu"]

    totals = dict(r_loss=0.0, kl=0.0, kl_cost=0.0, loss_correct=0.0, other_correct=0.0)
    kl_dim_sum = None
    mus = []
    other_probability = 0.0 if loss_sampling_probability > 0 else 1.0
    for start in range(0, len(windows), batch_size):
        batch = tf.constant(windows[start:start + batch_size])
        batch_controls = None if controls is None else tf.constant(controls[start:start + batch_size])
        terms, mu = forward(batch, batch_controls, tf.constant(loss_sampling_probability))
        totals["r_loss"] += float(tf.reduce_sum(terms.r_loss))
        totals["kl"] += float(tf.reduce_sum(terms.kl))
        totals["kl_cost"] += float(tf.reduce_sum(terms.kl_cost))
        totals["loss_correct"] += float(terms.correct)
        dims = tf.reduce_sum(terms.kl_dims, axis=0).numpy()
        kl_dim_sum = dims if kl_dim_sum is None else kl_dim_sum + dims
        mus.append(mu.numpy())
        other, _ = forward(batch, batch_controls, tf.constant(other_probability))
        totals["other_correct"] += float(other.correct)

    count = len(windows)
    # (step, part) predictions, but for padding rows (class -1: past a multi-instrument track's
    # length), which magenta's accuracy leaves out too
    counted = windows >= 0
    steps = int(counted.sum())
    if loss_sampling_probability > 0:
        sampled, forced = totals["loss_correct"] / steps, totals["other_correct"] / steps
    else:
        forced, sampled = totals["loss_correct"] / steps, totals["other_correct"] / steps
    greedy, _ = model.decode(np.concatenate(mus), temperature=0.0, keep_logits=False,
                             controls=controls)
    r_loss = totals["r_loss"] / count
    return {
        "loss": objective.total_loss(r_loss, totals["kl_cost"] / count, beta),
        "r_loss": r_loss,
        "kl_bits": objective.bits(totals["kl"] / count),
        "active_units": float(np.sum(kl_dim_sum / count > ACTIVE_UNIT_NATS)),
        "accuracy": forced,
        "sampled_accuracy": sampled,
        "mu_accuracy": float(np.mean((np.asarray(greedy) == windows)[counted])),
        "mu_onset_accuracy": onset_accuracy(model.config.converter, windows, np.asarray(greedy)),
        "no_event_baseline": no_event_share(model.config.converter, windows),
        "windows": float(count),
    }
