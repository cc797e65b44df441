"""The numpy decoder's products: float32 as numpy, bfloat16 as the product of rounded operands."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

from serenade.models import precision, products


def _rounded(values: np.ndarray) -> np.ndarray:
    return values.astype(ml_dtypes.bfloat16).astype(np.float64)


@pytest.mark.parametrize("rows", [1, 7, 256])
def test_bfloat16_products_are_the_products_of_rounded_operands(rows):
    rng = np.random.default_rng(rows)
    x = rng.normal(size=(rows, 96)).astype(np.float32)
    kernel = rng.normal(size=(96, 40)).astype(np.float32)
    bf16 = products.Bfloat16Products()
    out = np.full((rows, 40), np.nan, np.float32)
    bf16.matmul(x, bf16.weight(kernel), out)
    want = _rounded(x) @ _rounded(kernel)  # exact up to float64, then one bfloat16 rounding
    scale = np.abs(_rounded(x)) @ np.abs(_rounded(kernel))
    assert np.all(np.abs(out - want) <= scale * 2.0 ** -7)
    # and not float32's products: the rounding is there
    assert np.abs(out - x.astype(np.float64) @ kernel).max() > 1e-4


def test_float32_products_are_numpys():
    rng = np.random.default_rng(0)
    x, kernel = rng.normal(size=(5, 8)).astype(np.float32), rng.normal(size=(8, 3)).astype(np.float32)
    out = np.empty((5, 3), np.float32)
    products.FLOAT32.matmul(x, products.FLOAT32.weight(kernel), out)
    np.testing.assert_array_equal(out, x @ kernel)


def test_each_decoding_precision_gets_its_products():
    assert products.for_precision(precision.for_decoding("float32")) is products.FLOAT32
    assert products.for_precision(precision.for_decoding("mixed_float16")) is products.FLOAT32
    chosen = precision.for_decoding("mixed_bfloat16")
    assert products.for_precision(chosen).dtype == "bfloat16"
