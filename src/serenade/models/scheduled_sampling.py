"""Scheduled sampling in two passes: choose the decoder's inputs, then run it teacher-forced.

In scheduled sampling each step's input is, with probability p, a token sampled from the
previous step's output instead of the true token. The sampled tokens carry no gradient, so
the loss's gradients are those of a teacher-forced decoder run on the inputs that were actually
fed. Pass 1 (step by step, no gradient needed) draws those inputs; pass 2 runs the decoder on
them layer by layer over all steps, where every input projection is one large product and the
recurrences use the fused backward of `serenade.models.fused_lstm`. Pass 2 reproduces pass 1's
logits (up to float summation order), so this is the same estimator as stepping once with
autodiff through every step, at a fraction of the backward cost on a CPU. `FlatDecoder` uses it when dropout is off.
"""

from __future__ import annotations

import tensorflow as tf


def fed_tokens(decoder, condition, condition_part, targets, start_tokens, states, probability):
    """Pass 1: the token fed at every step, int [B, T] (column 0 = the start tokens)."""
    batch = tf.shape(targets)[0]
    steps = targets.shape[1]
    true_t = tf.transpose(targets)  # [T, B]
    previous, fed = start_tokens, [start_tokens]
    for t in range(steps - 1):
        x = decoder._first_layer_projection(previous, condition_part, condition, False)
        new_states = []
        for j, cell in enumerate(decoder.cells):
            if j > 0:
                x = cell.project_inputs(h)
            h, c = cell.step(x, *states[j])
            new_states.append((h, c))
        states = new_states
        logits = decoder.output_projection(h)
        sampled = tf.cast(tf.random.categorical(logits, 1)[:, 0], tf.int32)
        use_sample = tf.random.uniform([batch], dtype=probability.dtype) < probability
        previous = tf.where(use_sample, sampled, true_t[t])
        fed.append(previous)
    return tf.stop_gradient(tf.stack(fed, axis=1))


def scheduled_logits(decoder, condition, condition_part, targets, start_tokens, states,
                     probability, training):
    """Logits [B, T, 90] under scheduled sampling, computed in two passes (see module doc)."""
    fed = fed_tokens(decoder, condition, tf.stop_gradient(condition_part), targets,
                     start_tokens, [tuple(tf.stop_gradient(s) for s in pair) for pair in states],
                     probability)
    # _teacher_forced feeds [start, targets[:, :-1]]: give it the fed tokens in that layout.
    shifted = tf.concat([fed[:, 1:], fed[:, -1:]], axis=1)
    return decoder._teacher_forced(condition, condition_part, shifted, fed[:, 0], states,
                                   training)
