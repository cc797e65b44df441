"""The matrix products of numpy decoding (`serenade.models.numpy_decoder`), in float32 or
bfloat16.

Decoding is one LSTM step at a time for the whole batch, so most of its time goes to products
of a few hundred rows by a layer's kernel. numpy (OpenBLAS) runs them in float32. CPUs with
bfloat16 matmul units (`avx512_bf16`, AMX) run them in bfloat16 through oneDNN, which
TensorFlow calls, several times faster: on this project's CPU, one core, [256 x 512] @
[512 x 1024] runs at 84 GFLOP/s in float32 and 323 GFLOP/s in bfloat16.

In bfloat16 the kernels are rounded once, each step's left operand is rounded, and the
product comes back rounded to bfloat16 (8 significant bits) before the float32 gate and
sampling arithmetic: the same rounding as a Dense layer under Keras' `mixed_bfloat16` policy.
The LSTM state, the activations, the softmax and the draw stay float32.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from serenade.models import fast_kernels
from serenade.models import precision as precisions


class Products(Protocol):
    """Prepares a kernel once (`weight`), then multiplies step after step (`matmul`)."""

    dtype: str

    def weight(self, kernel: np.ndarray) -> Any: ...

    def matmul(self, x: np.ndarray, weight: Any, out: np.ndarray) -> None: ...


class Float32Products:
    """numpy's float32 products (magenta's numbers, up to float rounding)."""

    dtype = "float32"

    def weight(self, kernel: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(kernel, np.float32)

    def matmul(self, x: np.ndarray, weight: np.ndarray, out: np.ndarray) -> None:
        np.matmul(x, weight, out=out)


class Bfloat16Products:
    """bfloat16 products through TensorFlow's oneDNN kernels; float32 numpy in and out."""

    dtype = "bfloat16"

    def __init__(self) -> None:
        import tensorflow as tf

        self._tf = tf
        self._bfloat16 = tf.bfloat16.as_numpy_dtype  # numpy's view of the type (ml_dtypes)

    def weight(self, kernel: np.ndarray):
        return self._tf.constant(np.asarray(kernel, np.float32), self._tf.bfloat16)

    def matmul(self, x: np.ndarray, weight, out: np.ndarray) -> None:
        """out = x @ weight; x and out C-contiguous float32. The roundings run in numba
        kernels on bit patterns (numpy's bfloat16 casts are a slower per-element loop), and
        TensorFlow reads and returns bfloat16 arrays without a copy of its own."""
        if not out.flags.c_contiguous:
            raise ValueError("the product's output must be C-contiguous")
        bits = np.empty(x.shape, np.uint16)
        fast_kernels.to_bfloat16_bits(x.reshape(-1), bits.reshape(-1))
        product = self._tf.linalg.matmul(bits.view(self._bfloat16), weight).numpy()
        fast_kernels.from_bfloat16_bits(product.view(np.uint16).reshape(-1), out.reshape(-1))


FLOAT32 = Float32Products()


def for_precision(chosen: precisions.Precision) -> Products:
    """The products of a decoding precision (`precision.for_decoding`)."""
    return Bfloat16Products() if chosen.compute_dtype == "bfloat16" else FLOAT32
