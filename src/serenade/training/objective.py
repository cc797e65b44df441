"""magenta's MusicVAE objective: summed reconstruction cross-entropy plus a weighted, free-bits KL.

Per example: r_loss = sum over time of softmax cross-entropy; kl = KL(N(mu, sigma) || N(0, I))
summed over z; kl_cost = max(kl - free_bits * ln 2, 0) (free bits are subtracted from the total
KL, not per dimension). The loss is mean(r_loss) + beta * mean(kl_cost).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import tensorflow as tf

from serenade.models.heads import CategoricalHead

LN2 = math.log(2.0)


class LossTerms(NamedTuple):
    """Batch means of the objective's parts (kl in nats; kl_bits = kl / ln 2)."""

    loss: tf.Tensor
    r_loss: tf.Tensor
    kl: tf.Tensor
    kl_cost: tf.Tensor
    kl_bits: tf.Tensor


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


def kl_divergence(mu, sigma):
    """KL of each example's posterior from the standard normal prior, summed over z: [B]."""
    return tf.reduce_sum(kl_per_dimension(mu, sigma), axis=1)


def vae_loss(targets, logits, mu, sigma, *, beta, free_bits: float, head=None) -> LossTerms:
    """The training objective and its parts, as magenta computes them."""
    r_loss = reconstruction_loss(targets, logits, head)
    kl = kl_divergence(mu, sigma)
    kl_cost = tf.maximum(kl - free_bits * LN2, 0.0)
    mean_r = tf.reduce_mean(r_loss)
    mean_cost = tf.reduce_mean(kl_cost)
    mean_kl = tf.reduce_mean(kl)
    loss = mean_r + tf.cast(beta, tf.float32) * mean_cost
    return LossTerms(loss=loss, r_loss=mean_r, kl=mean_kl, kl_cost=mean_cost,
                     kl_bits=mean_kl / LN2)


def correct(targets, logits, head=None):
    """How many (step, part) argmax predictions equal the targets (a float scalar)."""
    head = head or CategoricalHead((logits.shape[-1],))
    predictions = head.predicted(logits)
    return tf.reduce_sum(tf.cast(tf.equal(predictions, tf.cast(targets, predictions.dtype)),
                                 tf.float32))


def accuracy(targets, logits, head=None):
    """Fraction of (step, part) argmax predictions that equal the targets."""
    return correct(targets, logits, head) / tf.cast(tf.size(targets), tf.float32)
