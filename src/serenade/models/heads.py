"""What a decoder's output layer means: one softmax per part, or magenta's NADE over drum bits.

A head turns the decoder's output vectors (`output_width` wide) into a loss for the target
classes, argmax-style predictions, and samples. `CategoricalHead` is magenta's categorical
decoders (one softmax per part, `serenade.models.parts`). `NadeHead` is magenta's
`MultiLabelRnnNadeDecoder`: each output vector holds a NADE's biases (b_enc [H] then b_dec
[bits]), and the NADE models the step's hit bits one after another,
p(bit i) = sigmoid(b_dec[i] + sigmoid(b_enc + sum_{j<i} x_j w_enc[j]) . w_dec[i]).
Targets of a NADE head are class indices whose bits are the hits (the drum converter's masks,
int64 for more than 30 bits: `serenade.models.multi_hot`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import keras
import tensorflow as tf

from serenade.models import magenta_layout as layout
from serenade.models import multi_hot, parts


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
        self.index_dtype = parts.index_dtype(self.depths)
        self.output_width = self.hidden + self.bits

    def build(self, input_shape=None) -> None:
        if self.built:
            return
        init = keras.initializers.TruncatedNormal(stddev=1.0 / math.sqrt(self.bits))
        # Never autocast: the NADE is the output distribution, float32 under mixed precision
        # too, and the decoder calls it inside the model's bfloat16/float16 autocast scope.
        self.w_enc = self.add_weight(name="w_enc", shape=(self.bits, 1, self.hidden),
                                     initializer=init, autocast=False)
        self.w_dec_t = self.add_weight(name="w_dec_t", shape=(self.bits, self.hidden, 1),
                                       initializer=init, autocast=False)
        super().build(input_shape)

    def magenta_variables(self, scope: str = layout.NADE) -> dict[str, tf.Variable]:
        self.build()
        return {f"{scope}/w_enc": self.w_enc, f"{scope}/w_dec_t": self.w_dec_t}

    def _bits_of(self, classes) -> tf.Tensor:
        classes = tf.convert_to_tensor(classes)
        if classes.shape.rank == 3 and classes.shape[-1] == 1:
            classes = classes[..., 0]
        return multi_hot.bits_of(classes, self.bits)

    def _logit(self, a, b_dec, i) -> tf.Tensor:
        """The logit of bit i given the NADE's hidden pre-activation a [.., H]."""
        return (tf.gather(b_dec, i, axis=-1)
                + tf.reduce_sum(tf.sigmoid(a) * self.w_dec_t[i, :, 0], axis=-1))

    def _scored(self, outputs, bits) -> tuple[tf.Tensor, tf.Tensor]:
        """Walk the given bits [.., bits] in order: (log p of them [..], p of each bit given the
        bits before it [.., bits]). Unrolled, as magenta's NADE, for the loss's gradient."""
        outputs = tf.cast(outputs, tf.float32)
        a, b_dec = outputs[..., :self.hidden], outputs[..., self.hidden:]
        log_p, probs = 0.0, []
        for i in range(self.bits):
            p = tf.sigmoid(self._logit(a, b_dec, i))
            x = bits[..., i]
            log_p = log_p + x * _safe_log(p) + (1.0 - x) * _safe_log(1.0 - p)
            probs.append(p)
            a = a + x[..., None] * self.w_enc[i, 0]
        return log_p, tf.stack(probs, -1)

    def _drawn(self, outputs, temperature=None) -> tf.Tensor:
        """Bits drawn in order (temperature None: bit = p >= 0.5), as their class [..]. A graph
        loop over the bits, not unrolled: a 32-step decoder drawing 61 bits a step stays small."""
        outputs = tf.cast(outputs, tf.float32)
        a, b_dec = outputs[..., :self.hidden], outputs[..., self.hidden:]

        def draw(i, a, classes):
            logit = self._logit(a, b_dec, i)
            if temperature is None:
                x = tf.cast(tf.sigmoid(logit) >= 0.5, tf.float32)
            else:
                x = tf.cast(tf.random.uniform(tf.shape(logit)) < tf.sigmoid(logit / temperature),
                            tf.float32)
            classes = classes + tf.bitwise.left_shift(tf.cast(x, tf.int64), tf.cast(i, tf.int64))
            return i + 1, a + x[..., None] * tf.gather(self.w_enc, i)[0], classes

        classes = tf.zeros(tf.shape(a)[:-1], tf.int64)
        _, _, classes = tf.while_loop(lambda i, *_: i < self.bits, draw,
                                      (tf.constant(0), a, classes))
        return tf.cast(classes, self.index_dtype)

    def cross_entropy(self, targets, outputs) -> tf.Tensor:
        return -self._scored(outputs, self._bits_of(targets))[0]

    def conditional_probabilities(self, targets, outputs) -> tf.Tensor:
        """p(bit i = 1 | the target's bits before i), [.., bits] (magenta's cond_probs)."""
        return self._scored(outputs, self._bits_of(targets))[1]

    def predicted(self, outputs) -> tf.Tensor:
        return self._drawn(outputs)

    def sample(self, outputs) -> tf.Tensor:
        return self._drawn(outputs, temperature=1.0)[..., None]
