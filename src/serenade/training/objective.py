"""magenta's MusicVAE objective: summed reconstruction cross-entropy plus a weighted, free-bits KL.

Per example: r_loss = sum over time of softmax cross-entropy; kl = KL(N(mu, sigma) || N(0, I))
summed over z; kl_cost = max(kl - free_bits * ln 2, 0) (free bits are subtracted from the total
KL, not per dimension). The loss is mean(r_loss) + beta * mean(kl_cost).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import tensorflow as tf

LN2 = math.log(2.0)


class LossTerms(NamedTuple):
    """Batch means of the objective's parts (kl in nats; kl_bits = kl / ln 2)."""

    loss: tf.Tensor
    r_loss: tf.Tensor
    kl: tf.Tensor
    kl_cost: tf.Tensor
    kl_bits: tf.Tensor


def reconstruction_loss(targets, logits):
    """Cross-entropy of each example summed over time: targets int [B, T], logits [B, T, C] -> [B]."""
    logits = tf.cast(logits, tf.float32)
    per_step = tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.cast(targets, tf.int32), logits=logits)
    return tf.reduce_sum(per_step, axis=1)


def kl_per_dimension(mu, sigma):
    """KL(N(mu, sigma^2) || N(0, 1)) for every latent dimension, in nats: [B, Z]."""
    mu = tf.cast(mu, tf.float32)
    sigma = tf.cast(sigma, tf.float32)
    return 0.5 * (tf.square(mu) + tf.square(sigma) - 1.0) - tf.math.log(sigma)


def kl_divergence(mu, sigma):
    """KL of each example's posterior from the standard normal prior, summed over z: [B]."""
    return tf.reduce_sum(kl_per_dimension(mu, sigma), axis=1)


def vae_loss(targets, logits, mu, sigma, *, beta, free_bits: float) -> LossTerms:
    """The training objective and its parts, as magenta computes them."""
    r_loss = reconstruction_loss(targets, logits)
    kl = kl_divergence(mu, sigma)
    kl_cost = tf.maximum(kl - free_bits * LN2, 0.0)
    mean_r = tf.reduce_mean(r_loss)
    mean_cost = tf.reduce_mean(kl_cost)
    mean_kl = tf.reduce_mean(kl)
    loss = mean_r + tf.cast(beta, tf.float32) * mean_cost
    return LossTerms(loss=loss, r_loss=mean_r, kl=mean_kl, kl_cost=mean_cost,
                     kl_bits=mean_kl / LN2)


def accuracy(targets, logits):
    """Fraction of time steps whose argmax prediction equals the target event."""
    predictions = tf.argmax(logits, axis=-1, output_type=tf.int32)
    return tf.reduce_mean(tf.cast(tf.equal(predictions, tf.cast(targets, tf.int32)), tf.float32))
