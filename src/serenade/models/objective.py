"""magenta's MusicVAE objective: summed reconstruction cross-entropy plus a weighted, free-bits KL.

Per example: r_loss = sum over time of softmax cross-entropy; kl = KL(N(mu, sigma) || N(0, I))
summed over z; kl_cost = max(kl - free_bits * ln 2, 0) (free bits are subtracted from the total
KL, not per dimension). The loss is mean(r_loss) + beta * mean(kl_cost).

`terms` is the one place these are computed for class windows: a model's `objective(batch,
...)` returns its `Terms` (`MusicVAE` through `terms`, `GrooveVAE` with its own reconstruction
loss and the same KL, `latent_terms`), and the train step (`trainer`) and the evaluation
(`evaluation`) only average the per-example values their own way (over replicas, over eval
batches). Everything is float32, whatever the model's compute dtype.
"""

from __future__ import annotations

import math
from typing import Mapping, NamedTuple

import tensorflow as tf

from serenade.models.heads import CategoricalHead

LN2 = math.log(2.0)


class Terms(NamedTuple):
    """A batch's objective per example (float32) and its count of correct predictions."""

    r_loss: tf.Tensor  # [B] cross-entropy summed over time (and parts)
    kl_dims: tf.Tensor  # [B, Z] KL of each latent dimension, in nats
    kl: tf.Tensor  # [B] KL summed over z, in nats
    kl_cost: tf.Tensor  # [B] the KL the loss pays: max(kl - free nats, 0)
    correct: tf.Tensor | None  # scalar: (step, part) argmax predictions equal to the targets
    predictions: tf.Tensor | None  # scalar: how many `correct` counts (padding left out; None: an
    # objective that predicts no events, `models.bar_teacher.code_terms`)
    # a family's own per-example loss parts [B] reported as batch means (GrooVAE: magenta's
    # hits_loss, velocities_loss, offsets_loss metrics)
    parts: dict[str, tf.Tensor] = {}  # noqa: RUF012 - never changed; tf.nest rebuilds dicts


def batch_parts(batch) -> tuple[tf.Tensor, tf.Tensor | None]:
    """(windows, controls or None) of a batch of class windows."""
    if isinstance(batch, (tuple, list)):
        return batch[0], batch[1]
    return batch, None


def latent_terms(mu, sigma, free_bits: float) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """(kl_dims [B, Z], kl [B], kl_cost [B]) of the posterior N(mu, sigma), in nats."""
    kl_dims = kl_per_dimension(mu, sigma)
    kl = tf.reduce_sum(kl_dims, axis=1)
    return kl_dims, kl, tf.maximum(kl - free_bits * LN2, 0.0)


def terms(targets, outputs: Mapping[str, tf.Tensor], *, free_bits: float, head=None) -> Terms:
    """The objective's parts for `targets` (int [B, T] or [B, T, P]) and the model's `outputs`
    (its `logits`, `mu` and `sigma`); `head` says what the logits mean (default one softmax)."""
    logits = outputs["logits"]
    kl_dims, kl, kl_cost = latent_terms(outputs["mu"], outputs["sigma"], free_bits)
    return Terms(r_loss=reconstruction_loss(targets, logits, head), kl_dims=kl_dims, kl=kl,
                 kl_cost=kl_cost, correct=correct(targets, logits, head),
                 predictions=tf.reduce_sum(tf.cast(targets >= 0, tf.float32)), parts={})


def total_loss(r_loss, kl_cost, beta):
    """magenta's loss, r_loss + beta * kl_cost: of one example, or of the batch means (the
    mean of the sum is the sum of the means)."""
    return r_loss + beta * kl_cost


def bits(nats):
    """A KL in bits, as magenta reports it."""
    return nats / LN2


def reconstruction_loss(targets, logits, head=None):
    """Cross-entropy of each example summed over time (and parts): targets int [B, T] (or
    [B, T, P]), logits [B, T, C] -> [B]. `head` says what the logits mean
    (`serenade.models.heads`; default one softmax over C classes)."""
    head = head or CategoricalHead((logits.shape[-1],))
    return tf.reduce_sum(head.cross_entropy(targets, logits), axis=1)


def kl_per_dimension(mu, sigma):
    """KL(N(mu, sigma^2) || N(0, 1)) for every latent dimension, in nats: [B, Z]."""
    mu = tf.cast(mu, tf.float32)
    sigma = tf.cast(sigma, tf.float32)
    return 0.5 * (tf.square(mu) + tf.square(sigma) - 1.0) - tf.math.log(sigma)


def correct(targets, logits, head=None):
    """How many (step, part) argmax predictions equal the targets (a float scalar)."""
    head = head or CategoricalHead((logits.shape[-1],))
    predictions = head.predicted(logits)
    return tf.reduce_sum(tf.cast(tf.equal(predictions, tf.cast(targets, predictions.dtype)),
                                 tf.float32))
