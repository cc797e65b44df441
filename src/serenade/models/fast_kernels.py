"""Fused per-step kernels for numpy generation, compiled with numba.

Each decoding step of an LSTM layer is a matrix product (done by BLAS) followed by
element-wise work: gate activations, the new cell state and the new output. In plain numpy
that is about ten passes over the gates; here it is one pass per row, which keeps the row in
cache and lets the matrix products dominate. Drawing a class takes two passes per row
around numpy's (vectorized) exp: scaled and shifted logits, then running sum and comparison
with a uniform draw; the arithmetic is the same as in plain numpy, so are the draws.

The kernels release the GIL, so chunks of a batch can run in threads. `tanh` is a rational
approximation (odd numerator of degree 13, even denominator of degree 6, fitted for this
module) made of multiplies, adds and one divide, so the compiler can vectorize it (numba's
math.tanh is a scalar libm call): its error is below 4e-7 everywhere (float32 rounding of
numbers near 1 is 6e-8), the order of the approximations TensorFlow's own CPU kernels use.
Compiled code is cached beside this module (numba's cache=True); the first use in a fresh
environment compiles for a few seconds.
"""

from __future__ import annotations

import numba
import numpy as np

from serenade.models import magenta_layout as layout

_JIT = dict(nogil=True, cache=True, fastmath={"contract"}, error_model="numpy")

_ONE = np.float32(1.0)
_HALF = np.float32(0.5)
_CLAMP = np.float32(9.0)  # tanh(9) rounds to 1 in float32
# tanh(x) ~ x * P(x^2) / Q(x^2) on [-9, 9]; relative error < 3.2e-7 in float32
_P0, _P1, _P2, _P3 = (np.float32(v) for v in (9.99999993e-01, 1.30840237e-01, 3.10397108e-03,
                                                 1.11544556e-05))
_P4, _P5, _P6 = (np.float32(v) for v in (-2.02257755e-08, 5.27818801e-11, -8.48926529e-14))
_Q1, _Q2, _Q3 = (np.float32(v) for v in (4.64173508e-01, 2.44952384e-02, 2.54616639e-04))


@numba.njit(**_JIT)
def tanh(x):
    """float32 tanh, vectorizable (see the module docstring for its accuracy)."""
    x = min(max(x, -_CLAMP), _CLAMP)
    s = x * x
    p = ((((((_P6 * s + _P5) * s + _P4) * s + _P3) * s + _P2) * s + _P1) * s + _P0) * x
    q = ((_Q3 * s + _Q2) * s + _Q1) * s + _ONE
    return min(max(p / q, -_ONE), _ONE)


# Gate block positions in magenta's layout (compile-time constants for numba).
_I, _J, _F, _O = layout.INPUT, layout.CANDIDATE, layout.FORGET, layout.OUTPUT

# The loops below index 1-D arrays by the loop counter alone (not 2-D arrays, nor g[u + k]) on
# purpose: that is the form LLVM vectorizes here (10x faster than the other forms, measured).


@numba.njit(**_JIT)
def _cells_row(g, a, b, c, h, h_copy):
    """One row of LSTMBlockCells: gate pre-activations g + a + b ([4u] each, gate blocks in
    magenta's layout), whose i, f, o parts are pre-halved (so that sigmoid(x) = (1 + tanh(x / 2)) / 2) and
    whose forget bias is folded in. Updates c [u], writes the new h into h and h_copy.
    (The arithmetic is written out in each loop: moved into a helper, it stops vectorizing.)"""
    u = c.size
    gi, gj = g[_I * u:(_I + 1) * u], g[_J * u:(_J + 1) * u]
    gf, go = g[_F * u:(_F + 1) * u], g[_O * u:(_O + 1) * u]
    ai, aj = a[_I * u:(_I + 1) * u], a[_J * u:(_J + 1) * u]
    af, ao = a[_F * u:(_F + 1) * u], a[_O * u:(_O + 1) * u]
    bi, bj = b[_I * u:(_I + 1) * u], b[_J * u:(_J + 1) * u]
    bf, bo = b[_F * u:(_F + 1) * u], b[_O * u:(_O + 1) * u]
    for k in range(u):
        new_c = _HALF * ((_ONE + tanh(gf[k] + af[k] + bf[k])) * c[k]
                         + (_ONE + tanh(gi[k] + ai[k] + bi[k])) * tanh(gj[k] + aj[k] + bj[k]))
        new_h = tanh(new_c) * (_ONE + tanh(go[k] + ao[k] + bo[k])) * _HALF
        c[k] = new_c
        h[k] = new_h
        h_copy[k] = new_h


@numba.njit(**_JIT)
def _cells_row_biased(g, bias, c, h, h_copy):
    """As _cells_row, with pre-activations g + bias."""
    u = c.size
    gi, gj = g[_I * u:(_I + 1) * u], g[_J * u:(_J + 1) * u]
    gf, go = g[_F * u:(_F + 1) * u], g[_O * u:(_O + 1) * u]
    bi, bj = bias[_I * u:(_I + 1) * u], bias[_J * u:(_J + 1) * u]
    bf, bo = bias[_F * u:(_F + 1) * u], bias[_O * u:(_O + 1) * u]
    for k in range(u):
        new_c = _HALF * ((_ONE + tanh(gf[k] + bf[k])) * c[k]
                         + (_ONE + tanh(gi[k] + bi[k])) * tanh(gj[k] + bj[k]))
        new_h = tanh(new_c) * (_ONE + tanh(go[k] + bo[k])) * _HALF
        c[k] = new_c
        h[k] = new_h
        h_copy[k] = new_h


@numba.njit(**_JIT)
def first_layer_step(gates, condition_part, token_rows, previous, c, h, h_next, next_offset):
    """Layer 0 of a decoder, in place. gates [B, 4u] holds h @ recurrent kernel; added to it
    per row are condition_part[row] (condition projection + bias) and the kernel row of the
    previous token (token_rows' last row, all zeros, where previous < 0). Updates c [B, u] and
    h [B, u], and writes h again into h_next[:, next_offset:next_offset + u] (the next
    layer's input)."""
    rows, u = c.shape
    blank = token_rows.shape[0] - 1
    for r in range(rows):
        token = previous[r]
        if token < 0:
            token = blank
        _cells_row(gates[r], condition_part[r], token_rows[token], c[r], h[r],
                   h_next[r, next_offset:next_offset + u])


@numba.njit(**_JIT)
def layer_step(gates, bias, c, h, h_offset, h_next, next_offset):
    """A layer above the first, in place: gates [B, 4u] = [input, h] @ kernel, plus bias.
    Updates c [B, u] and writes the new h into h[:, h_offset:h_offset + u] and into
    h_next[:, next_offset:next_offset + u]."""
    rows, u = c.shape
    for r in range(rows):
        _cells_row_biased(gates[r], bias, c[r], h[r, h_offset:h_offset + u],
                          h_next[r, next_offset:next_offset + u])


@numba.njit(**_JIT)
def shifted_scaled_logits(logits, bias, temperature, out):
    """Adds bias to logits [B, n] in place; out = logits / temperature minus its row maximum
    (the exponent of softmax, at most 0)."""
    rows, n = logits.shape
    for r in range(rows):
        row, scaled = logits[r], out[r]
        for k in range(n):
            row[k] += bias[k]
            scaled[k] = row[k] / temperature
        top = scaled[0]
        for k in range(1, n):
            top = max(top, scaled[k])
        for k in range(n):
            scaled[k] -= top


@numba.njit(**_JIT)
def pick_classes(weights, draws, out):
    """out[row] = the first class whose running sum of weights[row] (unnormalized
    probabilities, overwritten by the running sums) reaches draws[row] (uniform in [0, 1))
    times the row's total; the last class if rounding leaves none."""
    rows, n = weights.shape
    for r in range(rows):
        row = weights[r]
        total = np.float32(0.0)
        for k in range(n):
            total += row[k]
            row[k] = total
        threshold = draws[r] * total
        chosen = 0
        for k in range(n):
            if row[k] < threshold:
                chosen += 1
        out[r] = min(chosen, n - 1)


@numba.njit(**_JIT)
def to_bfloat16_bits(x, bits):
    """float32 x [n] -> its bfloat16 bit patterns [n] (uint16), rounded to nearest, ties to
    even: the rounding of a float32 -> bfloat16 cast in TensorFlow and ml_dtypes (finite x)."""
    words = x.view(np.uint32)
    for k in range(words.size):
        word = words[k]
        bits[k] = np.uint16((word + np.uint32(0x7FFF) + ((word >> np.uint32(16)) & np.uint32(1)))
                            >> np.uint32(16))


@numba.njit(**_JIT)
def from_bfloat16_bits(bits, out):
    """bfloat16 bit patterns [n] (uint16) -> float32 out [n] (exact)."""
    words = out.view(np.uint32)
    for k in range(bits.size):
        words[k] = np.uint32(bits[k]) << np.uint32(16)
