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

GrooVAE models (float windows) have their own metrics, `evaluate_groove`; which one a config
takes is its window kind's (`serenade.training.window_kinds`).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from serenade.conversion.reconstruction import counted, no_event_share, onset_accuracy, step_accuracy
from serenade.models import objective

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
    steps = int(counted(windows).sum())  # (step, part) predictions, padding rows left out
    if loss_sampling_probability > 0:
        sampled, forced = totals["loss_correct"] / steps, totals["other_correct"] / steps
    else:
        forced, sampled = totals["loss_correct"] / steps, totals["other_correct"] / steps
    greedy, _ = model.decode(np.concatenate(mus), temperature=0.0, keep_logits=False,
                             controls=controls)
    return {
        **_loss_figures(totals, kl_dim_sum, count, beta),
        "accuracy": forced,
        "sampled_accuracy": sampled,
        "mu_accuracy": step_accuracy(windows, greedy),
        "mu_onset_accuracy": onset_accuracy(model.config.converter, windows, np.asarray(greedy)),
        "no_event_baseline": no_event_share(model.config.converter, windows),
        "windows": float(count),
    }


def _loss_figures(totals: dict[str, float], kl_dim_sum: np.ndarray, count: int,
                  beta: float) -> dict[str, float]:
    """The loss, its reconstruction part, the KL in bits and the active units per window, from
    sums over `count` eval windows (every family reports them alike)."""
    r_loss = totals["r_loss"] / count
    return {
        "loss": objective.total_loss(r_loss, totals["kl_cost"] / count, beta),
        "r_loss": r_loss,
        "kl_bits": objective.bits(totals["kl"] / count),
        "active_units": float(np.sum(kl_dim_sum / count > ACTIVE_UNIT_NATS)),
    }

def evaluate_groove(model, inputs: np.ndarray, outputs: np.ndarray, controls: np.ndarray, *,
                    batch_size: int, beta: float, free_bits: float) -> dict[str, float]:
    """A GrooveVAE's metrics over eval windows (float32 inputs, outputs [N, T, 3 * drums],
    controls [N, T, control_depth or 0]), teacher-forced as it trains:

    - `loss`, `r_loss`, `kl_bits`, `active_units` as `evaluate`; `hits_loss`,
      `velocities_loss`, `offsets_loss`: magenta's GrooVAE eval metrics (means per step);
    - `accuracy`: hits predicted right (logit > 0) over every (step, drum), teacher forced;
      `no_hit_baseline`: the same of always predicting no hit, to read it against;
    - the round trip (greedy decoding of mu, hits where the logit is > 0, compared with the
      targets): `mu_hit_precision`, `mu_hit_recall`, `mu_hit_f1`, and on the hits it gets
      right `mu_velocity_error` and `mu_offset_error` (mean absolute errors, velocities in
      0..1, offsets in steps' halves -1..1).
    """
    if len(inputs) == 0:
        raise ValueError("no eval windows: the eval split yields no windows for this config")
    model_controls = controls if model.control_depth else None

    @tf.function(reduce_retracing=True)
    def forward(batch):
        return model.objective(batch, free_bits=free_bits, training=False)

    totals: dict[str, float] = {}
    kl_dim_sum = 0.0
    for start in range(0, len(inputs), batch_size):
        rows = slice(start, start + batch_size)
        terms = forward(tuple(tf.constant(a[rows]) for a in (inputs, outputs, controls)))
        sums = {"r_loss": terms.r_loss, "kl": terms.kl, "kl_cost": terms.kl_cost,
                "correct": terms.correct, "predictions": terms.predictions, **terms.parts}
        for name, value in sums.items():
            totals[name] = totals.get(name, 0.0) + float(tf.reduce_sum(value))
        kl_dim_sum = kl_dim_sum + tf.reduce_sum(terms.kl_dims, axis=0).numpy()

    count = len(inputs)
    _, mu, _ = model.encode(inputs, controls=model_controls)
    samples, _ = model.decode(mu, temperature=0.0, controls=model_controls)
    drums = model.num_drums
    truth, got = outputs[..., :drums] > 0.5, samples[..., :drums] > 0.5
    both = truth & got
    hits = int(both.sum())
    precision = hits / max(int(got.sum()), 1)
    recall = hits / max(int(truth.sum()), 1)
    errors = np.abs(samples - outputs)
    return {
        **_loss_figures(totals, kl_dim_sum, count, beta),
        **{name: totals[name] / count
           for name in ("hits_loss", "velocities_loss", "offsets_loss")},
        "accuracy": totals["correct"] / totals["predictions"],
        "no_hit_baseline": float(1.0 - truth.mean()),
        "mu_hit_precision": precision,
        "mu_hit_recall": recall,
        "mu_hit_f1": 2 * precision * recall / max(precision + recall, 1e-12),
        "mu_velocity_error": float(errors[..., drums:2 * drums][both].mean()) if hits else 0.0,
        "mu_offset_error": float(errors[..., 2 * drums:][both].mean()) if hits else 0.0,
        "windows": float(count),
    }
