"""Class indices as bits, in TensorFlow: the inputs of `serenade.base.bit_inputs` and
the hit bits a NADE models (`serenade.models.heads.NadeHead`).

A class that is a bit mask (a drum step: bit c = drum class c hit) is expanded to its bits on
the fly, so models over 61 drum classes (2**61 combinations) never build a table per class.
"""

from __future__ import annotations

import tensorflow as tf

from serenade.base.bit_inputs import BitInputs


def bits_of(classes, bits: int, dtype=tf.float32) -> tf.Tensor:
    """[..., bits]: bit i of each class in [...] (int32 or int64)."""
    classes = tf.cast(classes, tf.int64)
    shifts = tf.range(bits, dtype=tf.int64)
    return tf.cast(tf.bitwise.bitwise_and(tf.bitwise.right_shift(classes[..., None], shifts), 1),
                   dtype)


def input_vectors(classes, inputs: BitInputs, dtype=tf.float32) -> tf.Tensor:
    """[..., inputs.depth]: the input vector of each class (`BitInputs.vectors`); a negative
    class (nothing fed) gives zeros."""
    classes = tf.cast(classes, tf.int64)
    vectors = bits_of(classes, inputs.bits, dtype)
    if inputs.nothing_bit:
        vectors = tf.concat([vectors, tf.cast(tf.equal(classes, 0), dtype)[..., None]], axis=-1)
    return tf.where(classes[..., None] < 0, tf.zeros_like(vectors), vectors)


def input_product(classes, inputs: BitInputs, kernel: tf.Tensor) -> tf.Tensor:
    """The input vectors of classes [...] times the kernel rows they read [depth, n] -> [..., n]."""
    return tf.tensordot(input_vectors(classes, inputs, kernel.dtype), kernel, axes=1)
