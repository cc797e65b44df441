"""What a decoder's output layer means: one softmax per part, or magenta's NADE over drum bits.

A head turns the decoder's output vectors (`output_width` wide) into a loss for the target
classes, argmax-style predictions, and samples. `CategoricalHead` is magenta's categorical
decoders (one softmax per part, `serenade.models.parts`). `NadeHead` is magenta's
`MultiLabelRnnNadeDecoder`: each output vector holds a NADE's biases (b_enc [H] then b_dec
[bits]), and the NADE models the step's hit bits one after another,
p(bit i) = sigmoid(b_dec[i] + sigmoid(b_enc + sum_{j<i} x_j w_enc[j]) . w_dec[i]).
Targets of a NADE head are class indices whose bits are the hits (the drum converter's masks).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import keras
import tensorflow as tf

from serenade.models import magenta_layout as layout
from serenade.models import parts


class CategoricalHead:
    """One softmax per part over the parts' classes side by side."""

    def __init__(self, depths: Sequence[int]) -> None:
        self.depths = tuple(int(d) for d in depths)
        self.output_width = sum(self.depths)

    def magenta_variables(self) -> dict[str, tf.Variable]:
        return {}

    def cross_entropy(self, targets, outputs) -> tf.Tensor:
        return parts.cross_entropy(targets, outputs, self.depths)

    def predicted(self, outputs) -> tf.Tensor:
        return parts.predicted(outputs, self.depths)

    def sample(self, outputs) -> tf.Tensor:
        return parts.sample(outputs, self.depths)


def _safe_log(x):
    return tf.math.log(1e-6 + x)


class NadeHead(keras.layers.Layer):
    """magenta's NADE over `bits` binary outputs with `hidden` units (weights w_enc, w_dec_t)."""

    def __init__(self, bits: int, hidden: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.bits, self.hidden = int(bits), int(hidden)
        self.depths = (1 << self.bits,)
        self.output_width = self.hidden + self.bits

    def build(self, input_shape=None) -> None:
        if self.built:
            return
        init = keras.initializers.TruncatedNormal(stddev=1.0 / math.sqrt(self.bits))
        self.w_enc = self.add_weight(name="w_enc", shape=(self.bits, 1, self.hidden),
                                     initializer=init)
        self.w_dec_t = self.add_weight(name="w_dec_t", shape=(self.bits, self.hidden, 1),
                                       initializer=init)
        super().build(input_shape)

    def magenta_variables(self, scope: str = layout.NADE) -> dict[str, tf.Variable]:
        self.build()
        return {f"{scope}/w_enc": self.w_enc, f"{scope}/w_dec_t": self.w_dec_t}

    def _bits_of(self, classes) -> tf.Tensor:
        classes = tf.cast(classes, tf.int32)
        if classes.shape.rank is not None and classes.shape[-1] == 1 and classes.shape.rank == 3:
            classes = classes[..., 0]
        shifts = tf.range(self.bits, dtype=tf.int32)
        return tf.cast(tf.bitwise.bitwise_and(tf.bitwise.right_shift(classes[..., None], shifts), 1),
                       tf.float32)

    def _run(self, outputs, bits=None, temperature=None):
        """Walk the bits in order: (log p of `bits` [..], p of each bit [.., bits], the bits
        used [.., bits]): the given ones, or drawn (None temperature: p >= 0.5)."""
        outputs = tf.cast(outputs, tf.float32)
        a, b_dec = outputs[..., :self.hidden], outputs[..., self.hidden:]
        log_p, probs, chosen = 0.0, [], []
        for i in range(self.bits):
            logit = b_dec[..., i] + tf.reduce_sum(tf.sigmoid(a) * self.w_dec_t[i, :, 0], axis=-1)
            p = tf.sigmoid(logit)
            if bits is not None:
                x = bits[..., i]
            elif temperature is None:
                x = tf.cast(p >= 0.5, tf.float32)
            else:
                x = tf.cast(tf.random.uniform(tf.shape(p)) < tf.sigmoid(logit / temperature),
                            tf.float32)
            log_p = log_p + x * _safe_log(p) + (1.0 - x) * _safe_log(1.0 - p)
            probs.append(p)
            chosen.append(x)
            a = a + x[..., None] * self.w_enc[i, 0]
        return log_p, tf.stack(probs, -1), tf.stack(chosen, -1)

    def _classes(self, bits) -> tf.Tensor:
        weights = tf.bitwise.left_shift(1, tf.range(self.bits, dtype=tf.int32))
        return tf.reduce_sum(tf.cast(bits, tf.int32) * weights, axis=-1)

    def cross_entropy(self, targets, outputs) -> tf.Tensor:
        log_p, _, _ = self._run(outputs, bits=self._bits_of(targets))
        return -log_p

    def conditional_probabilities(self, targets, outputs) -> tf.Tensor:
        """p(bit i = 1 | the target's bits before i), [.., bits] (magenta's cond_probs)."""
        return self._run(outputs, bits=self._bits_of(targets))[1]

    def predicted(self, outputs) -> tf.Tensor:
        return self._classes(self._run(outputs)[2])

    def sample(self, outputs) -> tf.Tensor:
        return self._classes(self._run(outputs, temperature=1.0)[2])[..., None]
