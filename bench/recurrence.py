"""Benchmark: forward + backward of one LSTM recurrence, TensorFlow's fused_recurrence against
numba kernels fusing each step's gate arithmetic, interleaved in one process (issue #21).

    PYTHONPATH=src:. .venv/bin/python bench/recurrence.py --rounds 7 --reps 3
    PYTHONPATH=src:. .venv/bin/python bench/recurrence.py --profile --rounds 5
    PYTHONPATH=src:. .venv/bin/python bench/recurrence.py --train-step --precision float32

Shapes of cat-mel_2bar_small: the encoder's two directions (`enc512x2`: 2 chains of u=512, run
as the encoder runs them) and one decoder layer (`dec256`), T=32, batch 64. Variants:
- `tf`, `tf_bf16`: `fused_lstm.fused_recurrence`, products in float32 / in bfloat16 (as under
  mixed_bfloat16);
- `numba`: the whole recurrence in numba (below: BLAS np.dot per step inside the kernel, one
  fused pass over the gates per step, the weight gradient as one product), reached through
  tf.numpy_function in the same tf.custom_gradient contract; float32 (under mixed precision it
  would cast up around the call); chains (and halves of the batch) run in threads;
- `raw`: the same kernels called from numpy, no TensorFlow (what the wrapper costs);
- `hybrid`, `hybrid_bf16`: TensorFlow's products (oneDNN, bfloat16 where the policy says) and
  one numba call per step (tf.numpy_function) for all the gate arithmetic;
- `tf_products`, `tf_products_bf16`, `numba_products`: only the products of the variants above
  (what the recurrence would cost if the gate work were free).
Each round times every variant in turn (--reps calls each, their median); the report gives the
median over rounds, the min-max spread, CPU time, and each variant's ratio to TensorFlow in the
same precision computed round by round. It first checks that the kernels' outputs and gradients
equal fused_recurrence's (max difference relative to the largest magnitude).

--profile prints fused_recurrence's own time per op type (TensorFlow step stats);
--train-step A/Bs the whole train step (one Trainer per variant, steps alternated).

The kernels are prototypes kept here to reproduce the measurement, not part of the package:
they do not make the recurrence 1.5x faster. Measured 2026-12-06 on the project's 2-core Xeon
(avx512_bf16, amx_bf16) while other jobs ran (load 6-12): all variants interleaved, 7 rounds x
3 calls, wall ratios to TensorFlow in the same precision (median, min-max; CPU-time ratios
alike):
- numba (products by OpenBLAS inside the kernel): 0.52x (0.46-0.66) enc512x2, 0.77x dec256.
  The products alone (numba_products) already take longer than TensorFlow's whole recurrence
  at u=512 (0.71x): single-threaded OpenBLAS sgemm at [64 x 512] @ [512 x 2048] does about
  0.6x the work per CPU-second of TensorFlow's oneDNN, and has no bfloat16/AMX path.
- hybrid: 1.04x (0.70-1.25) enc, 1.11x (0.42-2.28) dec in float32; 0.94x / 0.96x wall (1.14x
  / 1.11x CPU) in bfloat16: 64 tf.numpy_function round trips per chain and direction cost
  about what the fused gate arithmetic saves.
- The ceiling in float32: the products alone (tf_products) are 1.35x (enc) and 1.43x (dec)
  faster than the whole recurrence, so even free gate arithmetic stays under 1.5x; the
  per-op profile (--profile) puts MatMul at ~72% of the encoder recurrence's op time in float32
  and ~50% in bfloat16, the rest mostly ConcatV2 / Pack / AddV2 / Cast (data movement), the
  gate nonlinearities and products (Sigmoid, Tanh, Mul) at 1-3%. In bfloat16 the products
  alone are 2.7x faster than the recurrence: a kernel that fused the gates around oneDNN's
  bfloat16 products without a Python round trip per step (a C++ op) could still pay there.
- Whole train step (--train-step, 16 alternated steps after tracing): hybrid 0.97x wall
  (0.99x CPU) in float32 and 1.06x (1.04x CPU) in mixed_bfloat16, numba 0.68x in float32.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import numba  # noqa: E402
import numpy as np  # noqa: E402

from serenade.models import magenta_layout as layout  # noqa: E402
from serenade.models.fast_kernels import tanh  # noqa: E402

# ----------------------------------------------------------------------------- the kernels
# (prototypes measured here, not part of the package: see the module docstring). Gate order and
# forget bias from magenta_layout, as serenade.models.lstm; sigmoid(x) = (1 + tanh(x / 2)) / 2
# with fast_kernels.tanh (vectorizable, error < 4e-7); the kernels release the GIL.
_JIT = dict(nogil=True, cache=True, fastmath={"contract"}, error_model="numpy")
_ONE = np.float32(1.0)
_HALF = np.float32(0.5)
_FORGET_BIAS = np.float32(layout.FORGET_BIAS)
_I, _J, _F, _O = layout.INPUT, layout.CANDIDATE, layout.FORGET, layout.OUTPUT


@numba.njit(**_JIT)
def _forward_row(p, m, c_prev, gates, c_new, squashed, h):
    """One batch row of one step: pre-activations p + m ([4u] each); writes the activated
    gates [4u] (magenta's layout), the new c, tanh(new c) and the new h ([u] each)."""
    u = c_prev.size
    pi, pj = p[_I * u:(_I + 1) * u], p[_J * u:(_J + 1) * u]
    pf, po = p[_F * u:(_F + 1) * u], p[_O * u:(_O + 1) * u]
    mi, mj = m[_I * u:(_I + 1) * u], m[_J * u:(_J + 1) * u]
    mf, mo = m[_F * u:(_F + 1) * u], m[_O * u:(_O + 1) * u]
    gi, gj = gates[_I * u:(_I + 1) * u], gates[_J * u:(_J + 1) * u]
    gf, go = gates[_F * u:(_F + 1) * u], gates[_O * u:(_O + 1) * u]
    for k in range(u):
        i = _HALF * (_ONE + tanh(_HALF * (pi[k] + mi[k])))
        j = tanh(pj[k] + mj[k])
        f = _HALF * (_ONE + tanh(_HALF * (pf[k] + mf[k] + _FORGET_BIAS)))
        o = _HALF * (_ONE + tanh(_HALF * (po[k] + mo[k])))
        c = i * j + f * c_prev[k]
        s = tanh(c)
        gi[k] = i
        gj[k] = j
        gf[k] = f
        go[k] = o
        c_new[k] = c
        squashed[k] = s
        h[k] = s * o


@numba.njit(**_JIT)
def forward(projected, kernel, states, gates, cells, squashed, product, r0, r1):
    """Batch rows r0:r1 of the recurrence. projected [T, B, 4u], kernel [u, 4u];
    states [T + 1, B, u] holds h0 in states[0] and receives each step's h; cells [T + 1, B, u]
    holds c0 in cells[0] and receives each step's c; writes the activated gates [T, B, 4u] and
    tanh(c) [T, B, u]. product [r1 - r0, 4u] is scratch. All C-contiguous float32."""
    steps = projected.shape[0]
    for t in range(steps):
        np.dot(states[t, r0:r1], kernel, product)
        for r in range(r0, r1):
            _forward_row(projected[t, r], product[r - r0], cells[t, r], gates[t, r],
                         cells[t + 1, r], squashed[t, r], states[t + 1, r])


@numba.njit(**_JIT)
def _backward_row(dh_in, d_out_t, gates, c_prev, squashed, dc, d_gates):
    """One batch row of one step in reverse: dh = dh_in + d_out_t (the output's gradient);
    dc [u] is dc_t on entry and dc_{t-1} on return; writes d(pre-activation gates) [4u]."""
    u = dc.size
    gi, gj = gates[_I * u:(_I + 1) * u], gates[_J * u:(_J + 1) * u]
    gf, go = gates[_F * u:(_F + 1) * u], gates[_O * u:(_O + 1) * u]
    di, dj = d_gates[_I * u:(_I + 1) * u], d_gates[_J * u:(_J + 1) * u]
    df, do = d_gates[_F * u:(_F + 1) * u], d_gates[_O * u:(_O + 1) * u]
    for k in range(u):
        dh = dh_in[k] + d_out_t[k]
        i, j, f, o, s = gi[k], gj[k], gf[k], go[k], squashed[k]
        d_cell = dc[k] + dh * o * (_ONE - s * s)
        di[k] = d_cell * j * i * (_ONE - i)
        dj[k] = d_cell * i * (_ONE - j * j)
        df[k] = d_cell * c_prev[k] * f * (_ONE - f)
        do[k] = dh * s * o * (_ONE - o)
        dc[k] = d_cell * f


@numba.njit(**_JIT)
def backward(d_outputs, d_h, d_c, kernel_t, gates, cells, squashed, d_gates, dh_buffer, r0, r1):
    """Batch rows r0:r1 of the gradients of `forward`: d_outputs [T, B, u], d_h/d_c [B, u]
    (the final state's; overwritten with dh0 and dc0), kernel_t = kernel^T [4u, u]. Writes
    d_gates [T, B, 4u] (= d projected); dh_buffer [r1 - r0, u] is scratch."""
    steps = d_gates.shape[0]
    for t in range(steps - 1, -1, -1):
        for r in range(r0, r1):
            dh_in = d_h[r] if t == steps - 1 else dh_buffer[r - r0]
            _backward_row(dh_in, d_outputs[t, r], gates[t, r], cells[t, r], squashed[t, r],
                          d_c[r], d_gates[t, r])
        np.dot(d_gates[t, r0:r1], kernel_t, dh_buffer if t > 0 else d_h[r0:r1])


@numba.njit(**_JIT)
def kernel_gradient(states, d_gates, t0, t1, out):
    """Steps t0:t1 of d kernel [u, 4u] = sum_t h_{t-1}^T @ dgates_t as one product
    ([h_{t0} .. h_{t1-1}]^T @ [dgates_{t0+1} .. dgates_{t1}], inner dimension (t1 - t0) * B)."""
    rows, units = states.shape[1], states.shape[2]
    previous = states[t0:t1].reshape((t1 - t0) * rows, units)
    np.dot(previous.T, d_gates[t0:t1].reshape((t1 - t0) * rows, d_gates.shape[2]), out)


# ----------------------------------------------------------------------------- numpy entry points
_POOL = None


def _pool():
    """Worker threads (one per core this process may use; the kernels release the GIL). BLAS
    inside the kernels runs single-threaded: each thread gets its own rows or chain instead
    (measured faster here than BLAS's own threads, which spin when the cores are shared)."""
    global _POOL
    if _POOL is None:
        import os
        from concurrent.futures import ThreadPoolExecutor

        from threadpoolctl import ThreadpoolController

        ThreadpoolController().select(user_api="blas").limit(limits=1)
        _POOL = ThreadPoolExecutor(max(1, len(os.sched_getaffinity(0))),
                                   thread_name_prefix="numba_lstm")
    return _POOL


def _parallel(calls):
    if len(calls) == 1:
        return [calls[0]()]
    futures = [_pool().submit(call) for call in calls]
    return [future.result() for future in futures]


def _row_chunks(rows: int, chains: int) -> list[tuple[int, int, int]]:
    """(chain, r0, r1) work items: whole chains when there are as many as threads, else each
    chain's rows split evenly."""
    _pool()
    workers = _POOL._max_workers
    split = max(1, min(rows, -(-workers // chains)))
    bounds = [rows * i // split for i in range(split + 1)]
    return [(k, bounds[i], bounds[i + 1]) for k in range(chains) for i in range(split)]


def run_forward(projected, kernel, h0, c0):
    """projected [T, k, B, 4u], kernel [k, u, 4u], h0/c0 [k, B, u] (k independent chains).
    Returns (outputs [T, k, B, u], final h, final c [k, B, u], and what `run_backward` needs:
    states, gates, cells, squashed, chain-major)."""
    steps, chains, rows, width = projected.shape
    units = width // 4
    f32 = np.float32
    projected = np.ascontiguousarray(np.moveaxis(np.asarray(projected, f32), 1, 0))
    kernel = np.ascontiguousarray(kernel, f32)
    states = np.empty((chains, steps + 1, rows, units), f32)
    cells = np.empty((chains, steps + 1, rows, units), f32)
    states[:, 0], cells[:, 0] = h0, c0
    gates = np.empty((chains, steps, rows, width), f32)
    squashed = np.empty((chains, steps, rows, units), f32)

    def call(k, r0, r1):
        return lambda: forward(projected[k], kernel[k], states[k], gates[k], cells[k],
                               squashed[k], np.empty((r1 - r0, width), f32), r0, r1)

    _parallel([call(*item) for item in _row_chunks(rows, chains)])
    outputs = np.ascontiguousarray(np.moveaxis(states[:, 1:], 0, 1))
    return (outputs, states[:, -1].copy(), cells[:, -1].copy(), states, gates, cells, squashed)


def run_backward(d_outputs, d_h, d_c, kernel, states, gates, cells, squashed):
    """(d projected [T, k, B, 4u], d kernel [k, u, 4u], dh0, dc0 [k, B, u]) from the forward's
    saved arrays; d_outputs [T, k, B, u], d_h/d_c [k, B, u]."""
    chains, steps, rows, units = squashed.shape
    f32 = np.float32
    d_outputs = np.ascontiguousarray(np.moveaxis(np.asarray(d_outputs, f32), 1, 0))
    d_h, d_c = np.array(d_h, f32, order="C"), np.array(d_c, f32, order="C")
    kernel_t = np.ascontiguousarray(np.swapaxes(np.asarray(kernel, f32), 1, 2))
    d_gates = np.empty((chains, steps, rows, 4 * units), f32)

    def call(k, r0, r1):
        return lambda: backward(d_outputs[k], d_h[k], d_c[k], kernel_t[k], gates[k], cells[k],
                                squashed[k], d_gates[k], np.empty((r1 - r0, units), f32), r0, r1)

    _parallel([call(*item) for item in _row_chunks(rows, chains)])
    # the weight gradient: one product per chain, or a chain's steps split between threads
    pieces = [(k, t0, t1) for k, r0, r1 in _row_chunks(steps, chains)
              for t0, t1 in [(r0, r1)]]
    partial = np.empty((len(pieces), units, 4 * units), f32)

    def product(i, k, t0, t1):
        return lambda: kernel_gradient(states[k], d_gates[k], t0, t1, partial[i])

    _parallel([product(i, *piece) for i, piece in enumerate(pieces)])
    d_kernel = np.zeros((chains, units, 4 * units), f32)
    for i, (k, _, _) in enumerate(pieces):
        d_kernel[k] += partial[i]
    return np.ascontiguousarray(np.moveaxis(d_gates, 0, 1)), d_kernel, d_h, d_c


# ----------------------------------------------------------------------------- TensorFlow wrapper
def numba_recurrence(projected, recurrent_kernel, h, c):
    """`fused_lstm.fused_recurrence`'s contract, the recurrence run by the kernels above through
    tf.numpy_function: [T, B, 4u] with kernel [u, 4u], or [T, k, B, 4u] with [k, u, 4u] (k
    chains in one call, in parallel). float32 inside; under mixed precision the inputs are cast
    up and the outputs and the kernel gradient cast back to the kernel's dtype."""
    import tensorflow as tf

    from serenade.models.lstm import STATE_DTYPE

    if len(recurrent_kernel.shape) == 2:
        outputs, h, c = numba_recurrence(projected[:, None], recurrent_kernel[None], h[None],
                                         c[None])
        return outputs[:, 0], h[0], c[0]
    f32 = tf.float32
    low = recurrent_kernel.dtype
    steps = projected.shape[0]
    chains, units = recurrent_kernel.shape[0], recurrent_kernel.shape[1]

    @tf.custom_gradient
    def run(projected, kernel, h0, c0):
        p32, k32 = tf.cast(projected, f32), tf.cast(kernel, f32)
        outputs, h, c, *saved = tf.numpy_function(
            run_forward, [p32, k32, tf.cast(h0, f32), tf.cast(c0, f32)], [f32] * 7,
            stateful=False)
        outputs.set_shape([steps, chains, None, units])
        h.set_shape([chains, None, units])
        c.set_shape([chains, None, units])

        def grad(d_outputs, d_h, d_c):
            d_outputs = (tf.zeros_like(outputs) if d_outputs is None
                         else tf.cast(d_outputs, f32))
            d_h = tf.zeros_like(h) if d_h is None else tf.cast(d_h, f32)
            d_c = tf.zeros_like(c) if d_c is None else tf.cast(d_c, f32)
            d_p, d_k, d_h0, d_c0 = tf.numpy_function(
                run_backward, [d_outputs, d_h, d_c, k32, *saved], [f32] * 4, stateful=False)
            return (tf.cast(tf.reshape(d_p, tf.shape(projected)), projected.dtype),
                    tf.cast(tf.reshape(d_k, tf.shape(kernel)), kernel.dtype),
                    tf.cast(tf.reshape(d_h0, tf.shape(h0)), h0.dtype),
                    tf.cast(tf.reshape(d_c0, tf.shape(c0)), c0.dtype))

        return (tf.cast(outputs, low), tf.cast(h, STATE_DTYPE), tf.cast(c, STATE_DTYPE)), grad

    return run(projected, recurrent_kernel, h, c)


# ----------------------------------------------------------------------------- hybrid: TF products
_SHIFT, _ROUND, _LOW_BIT = np.uint32(16), np.uint32(0x7FFF), np.uint32(1)


@numba.njit(**_JIT)
def _widen(bits):
    """bfloat16 bit patterns (uint16) -> float32 (exact)."""
    return (bits.astype(np.uint32) << _SHIFT).view(np.float32)


@numba.njit(**_JIT)
def _narrow(values):
    """float32 -> bfloat16 bit patterns, rounded to nearest even (as TensorFlow's cast)."""
    u = values.view(np.uint32)
    return ((u + _ROUND + ((u >> _SHIFT) & _LOW_BIT)) >> _SHIFT).astype(np.uint16)


@numba.njit(**_JIT)
def step_forward(p_t, m, c_prev):
    """One step, gates only (the product m = h @ W comes from TensorFlow): p_t, m [B, 4u]
    float32, c_prev [B, u] -> (h, c, activated gates, tanh(c))."""
    rows, units = c_prev.shape
    h = np.empty((rows, units), np.float32)
    c = np.empty((rows, units), np.float32)
    gates = np.empty((rows, 4 * units), np.float32)
    squashed = np.empty((rows, units), np.float32)
    for r in range(rows):
        _forward_row(p_t[r], m[r], c_prev[r], gates[r], c[r], squashed[r], h[r])
    return h, c, gates, squashed


@numba.njit(**_JIT)
def step_backward(dh_in, d_out_t, d_c, gates, c_prev, squashed):
    """One step in reverse, gates only: -> (d gates [B, 4u], dc_{t-1} [B, u])."""
    rows, units = c_prev.shape
    dc = d_c.copy()
    d_gates = np.empty((rows, 4 * units), np.float32)
    for r in range(rows):
        _backward_row(dh_in[r], d_out_t[r], gates[r], c_prev[r], squashed[r], dc[r], d_gates[r])
    return d_gates, dc


def _bfloat16():
    from ml_dtypes import bfloat16

    return np.dtype(bfloat16)


def _forward_step_low(p_t, m, c_prev):
    """step_forward taking the product in bfloat16 and returning h also in bfloat16 (numpy_function
    hands over and takes back TensorFlow's bfloat16 arrays; the casts cost no TF op)."""
    h, c, gates, squashed = step_forward(p_t, _widen(m.view(np.uint16)), c_prev)
    return _narrow(h).view(_bfloat16()), h, c, gates, squashed


def _backward_step_low(dh_in, d_out_t, d_c, gates, c_prev, squashed):
    if dh_in.dtype != np.float32:
        dh_in = _widen(dh_in.view(np.uint16))
    d_gates, dc = step_backward(dh_in, d_out_t, d_c, gates, c_prev, squashed)
    return _narrow(d_gates).view(_bfloat16()), dc


def hybrid_recurrence(projected, recurrent_kernel, h, c):
    """`fused_recurrence`'s contract with TensorFlow's products (in the kernel's dtype, as
    fused_recurrence) and one numba call per step for all the gate arithmetic. Under
    bfloat16 the numba calls take and return bfloat16 where the products need it, so each step
    is two TensorFlow ops: the product and the call."""
    import tensorflow as tf

    from serenade.models.lstm import STATE_DTYPE

    if len(recurrent_kernel.shape) == 3:
        parts = zip(tf.unstack(projected, axis=1), tf.unstack(recurrent_kernel), tf.unstack(h),
                    tf.unstack(c))
        runs = [hybrid_recurrence(*part) for part in parts]
        return (tf.stack([r[0] for r in runs], axis=1), tf.stack([r[1] for r in runs]),
                tf.stack([r[2] for r in runs]))
    f32 = tf.float32
    low = recurrent_kernel.dtype
    if low not in (tf.float32, tf.bfloat16):
        raise ValueError(f"hybrid_recurrence runs float32 or bfloat16 products, not {low}")
    wide = low == tf.float32
    steps = projected.shape[0]
    units = recurrent_kernel.shape[0]

    def fix(tensor, width):
        tensor.set_shape([None, width])
        return tensor

    @tf.custom_gradient
    def run(projected, kernel, h0, c0):
        xs = tf.unstack(tf.cast(projected, f32))
        h_low, c = tf.cast(h0, low), tf.cast(c0, f32)
        first_low = h_low
        outputs, saved = [], []
        for t in range(steps):
            m = tf.matmul(h_low, kernel)
            if wide:
                h, new_c, gates, squashed = tf.numpy_function(
                    step_forward, [xs[t], m, c], [f32] * 4, stateful=False)
                h_low = h
            else:
                h_low, h, new_c, gates, squashed = tf.numpy_function(
                    _forward_step_low, [xs[t], m, c], [low] + [f32] * 4, stateful=False)
            saved.append((fix(gates, 4 * units), c, fix(squashed, units)))
            c = fix(new_c, units)
            h_low = fix(h_low, units)
            outputs.append(h_low)
        h = fix(h, units)
        stacked = tf.stack(outputs)

        def grad(d_outputs, d_h, d_c):
            d_h = tf.zeros_like(h) if d_h is None else tf.cast(d_h, f32)
            d_c = tf.zeros_like(c) if d_c is None else tf.cast(d_c, f32)
            d_outs = (tf.unstack(tf.cast(d_outputs, f32)) if d_outputs is not None
                      else [tf.zeros_like(h)] * steps)
            kernel_t = tf.raw_ops.Snapshot(input=tf.transpose(kernel))
            d_gates_steps = [None] * steps
            for t in reversed(range(steps)):
                gates, c_prev, squashed = saved[t]
                d_gates, d_c = tf.numpy_function(
                    step_backward if wide else _backward_step_low,
                    [d_h, d_outs[t], d_c, gates, c_prev, squashed], [low, f32], stateful=False)
                d_gates = fix(d_gates, 4 * units)
                d_c = fix(d_c, units)
                d_gates_steps[t] = d_gates
                d_h = tf.matmul(d_gates, kernel_t)
            d_gates_all = tf.stack(d_gates_steps)
            previous = tf.concat([first_low[None], stacked[:-1]], axis=0)
            d_kernel = tf.matmul(tf.reshape(previous, [-1, units]),
                                 tf.reshape(d_gates_all, [-1, 4 * units]), transpose_a=True)
            return (tf.cast(d_gates_all, projected.dtype), d_kernel, tf.cast(d_h, h0.dtype),
                    tf.cast(d_c, c0.dtype))

        return (stacked, tf.cast(h, STATE_DTYPE), c), grad

    return run(projected, recurrent_kernel, h, c)


# ----------------------------------------------------------------------------- benchmarks


@numba.njit(**_JIT)
def _products(states, kernel, kernel_t, d_gates, r0, r1):
    """Only the per-step products of `forward` and `backward` (rows r0:r1)."""
    steps = d_gates.shape[0]
    product = np.empty((r1 - r0, kernel.shape[1]), np.float32)
    dh = np.empty((r1 - r0, kernel.shape[0]), np.float32)
    for t in range(steps):
        np.dot(states[t, r0:r1], kernel, product)
    for t in range(steps - 1, -1, -1):
        np.dot(d_gates[t, r0:r1], kernel_t, dh)


def profile(shape: str, steps: int, batch: int, rounds: int) -> None:
    """Per-op-type time of fused_recurrence's forward + backward (float32 and bfloat16
    products) from TensorFlow's step stats (a v1 session with FULL_TRACE): the sum over ops
    of each type of its own run time, medians over `rounds` traced runs."""
    from collections import defaultdict

    import tensorflow as tf

    from serenade.models.fused_lstm import fused_recurrence

    u, k = (int(v) for v in shape[3:].split("x")) if shape.startswith("enc") else (
        int(shape[3:]), 0)
    lead = [k] if k else []
    rng = np.random.default_rng(0)
    for dtype in (tf.float32, tf.bfloat16):
        graph = tf.Graph()
        with graph.as_default():
            feeds = {
                tf.compat.v1.placeholder(tf.float32, shape): value.astype(np.float32)
                for shape, value in [
                    ([steps] + lead + [batch, 4 * u],
                     rng.normal(size=[steps] + lead + [batch, 4 * u])),
                    (lead + [u, 4 * u], rng.normal(size=lead + [u, 4 * u]) / np.sqrt(u)),
                    (lead + [batch, u], rng.normal(size=lead + [batch, u])),
                    (lead + [batch, u], rng.normal(size=lead + [batch, u]))]}
            p, w, h, c = feeds
            pc, wc = tf.cast(p, dtype), tf.cast(w, dtype)
            outputs, last_h, _ = fused_recurrence(pc, wc, h, c)
            grads = tf.gradients([outputs, last_h], [pc, wc, h, c],
                                 grad_ys=[tf.ones_like(outputs), tf.ones_like(last_h)])
        totals = defaultdict(list)
        walls = []
        with tf.compat.v1.Session(graph=graph) as session:
            session.run(grads, feeds)
            for _ in range(rounds):
                options = tf.compat.v1.RunOptions(trace_level=tf.compat.v1.RunOptions.FULL_TRACE)
                metadata = tf.compat.v1.RunMetadata()
                start = time.perf_counter()
                session.run(grads, feeds, options=options, run_metadata=metadata)
                walls.append(time.perf_counter() - start)
                by_type = defaultdict(float)
                count = defaultdict(int)
                for device in metadata.step_stats.dev_stats:
                    for node in device.node_stats:
                        try:
                            kind = graph.get_operation_by_name(node.node_name.split(":")[0]).type
                        except (KeyError, ValueError):
                            kind = node.node_name.split(":")[0]
                        by_type[kind] += node.op_end_rel_micros / 1e3
                        count[kind] += 1
                for kind, ms in by_type.items():
                    totals[kind].append((ms, count[kind]))
        summed = {kind: float(np.median([v[0] for v in values])) for kind, values in
                  totals.items()}
        everything = sum(summed.values())
        print(f"{shape} {dtype.name}: traced wall median {np.median(walls) * 1e3:.1f} ms, "
              f"ops' own time summed {everything:.1f} ms ({rounds} traced runs)")
        for kind, ms in sorted(summed.items(), key=lambda item: -item[1])[:12]:
            print(f"    {kind:24s} {ms:8.1f} ms  {ms / everything:6.1%}  "
                  f"({totals[kind][0][1]} ops)")


def train_step_ab(args) -> None:
    """The whole train step of --config with each recurrence in --variants, interleaved in one
    process: one Trainer per variant (same seed, same batches), traced with its recurrence
    patched into `serenade.models.recurrence`, then steps alternate between them (the order
    flips every step). Prints per variant the median step (wall and CPU) and each variant's
    ratio to `tf` computed step by step."""
    import keras
    import tensorflow as tf

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from train import config_windows, note_sequences

    from serenade.models import precision
    from serenade.models import recurrence as recurrence_module
    from serenade.models.configs import get_config
    from serenade.models.fused_lstm import fused_recurrence
    from serenade.training.trainer import Trainer

    chosen = precision.detect(args.precision)
    precision.apply(chosen)
    config = get_config(args.config)
    config.hparams = config.hparams.set(batch_size=args.batch)
    windows = config_windows(config, note_sequences("", ""))
    rng = np.random.default_rng(0)
    batches = [tf.constant(windows[rng.integers(0, len(windows), args.batch)])
               for _ in range(args.train_steps + 3)]
    kernels = {"tf": fused_recurrence, "numba": numba_recurrence,
               "hybrid": hybrid_recurrence}
    variants = args.variants.split(",")
    trainers = {}
    for name in variants:
        recurrence_module.fused_recurrence = kernels[name]
        keras.utils.set_random_seed(0)
        trainer = Trainer(config)
        start = time.perf_counter()
        for i in range(3):
            trainer.train_step(batches[i])
        print(f"{name}: traced and 3 warm-up steps in {time.perf_counter() - start:.0f} s",
              flush=True)
        trainer.optimizer.iterations.assign(0)
        trainers[name] = trainer
    recurrence_module.fused_recurrence = fused_recurrence
    times = {name: [] for name in variants}
    cpu = {name: [] for name in variants}
    losses = {name: [] for name in variants}
    for i in range(args.train_steps):
        order = variants if i % 2 == 0 else variants[::-1]
        for name in order:
            start, cpu_start = time.perf_counter(), time.process_time()
            metrics = trainers[name].train_step(batches[3 + i])
            times[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - cpu_start)
            losses[name].append(metrics["loss"])
    for name in variants:
        wall, used = np.array(times[name]), np.array(cpu[name])
        line = (f"{config.name} {chosen.policy} {name:7s}: "
                f"median step {np.median(wall) * 1e3:.0f} ms"
                f" (min {wall.min() * 1e3:.0f}, max {wall.max() * 1e3:.0f}; "
                f"{args.batch / np.median(wall):.1f} ex/s), CPU {np.median(used) * 1e3:.0f} ms, "
                f"{args.train_steps} alternated steps; losses {losses[name][0]:.3f} .. "
                f"{losses[name][-1]:.3f}")
        if name != "tf" and "tf" in times:
            ratio = np.array(times["tf"]) / wall
            cpu_ratio = np.array(cpu["tf"]) / used
            line += (f"; vs tf: wall {np.median(ratio):.2f}x (min {ratio.min():.2f}, max "
                     f"{ratio.max():.2f}), CPU {np.median(cpu_ratio):.2f}x")
        print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--steps", type=int, default=32)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--shapes", default="enc512x2,dec256",
                        help="comma-separated: encNxK (K chains of N units) or decN")
    parser.add_argument("--variants", default="tf,tf_bf16,numba,raw,hybrid,hybrid_bf16,"
                        "tf_products,tf_products_bf16,numba_products")
    parser.add_argument("--blas-threads", type=int, default=0,
                        help="limit the BLAS libraries' threads (threadpoolctl; 0: leave)")
    parser.add_argument("--train-step", action="store_true",
                        help="A/B the whole train step of --config instead (see train_step_ab)")
    parser.add_argument("--config", default="cat-mel_2bar_small")
    parser.add_argument("--precision", default="float32",
                        choices=("auto", "float32", "mixed_bfloat16"))
    parser.add_argument("--train-steps", type=int, default=15)
    parser.add_argument("--profile", action="store_true",
                        help="print fused_recurrence's time per op type instead")
    args = parser.parse_args()
    if args.train_step:
        if args.variants == parser.get_default("variants"):
            args.variants = "tf,hybrid"
        train_step_ab(args)
        return
    if args.profile:
        for shape in args.shapes.split(","):
            profile(shape, args.steps, args.batch, args.rounds)
        return

    import tensorflow as tf

    from serenade.models.fused_lstm import fused_recurrence

    if args.blas_threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.blas_threads, user_api="blas")

    rng = np.random.default_rng(0)
    T, B = args.steps, args.batch
    variants = args.variants.split(",")
    for shape in args.shapes.split(","):
        if shape.startswith("enc"):
            u, k = (int(v) for v in shape[3:].split("x"))
        else:
            u, k = int(shape[3:]), 0
        lead = [k] if k else []
        data = dict(
            p=rng.normal(size=[T] + lead + [B, 4 * u]).astype(np.float32),
            w=(rng.normal(size=lead + [u, 4 * u]) / np.sqrt(u)).astype(np.float32),
            h=(0.5 * rng.normal(size=lead + [B, u])).astype(np.float32),
            c=rng.normal(size=lead + [B, u]).astype(np.float32),
            do=rng.normal(size=[T] + lead + [B, u]).astype(np.float32),
            dh=rng.normal(size=lead + [B, u]).astype(np.float32))
        tensors = {name: tf.constant(value) for name, value in data.items()}

        def make(recurrence, dtype):
            @tf.function
            def run(p, w, h, c, do, dh):
                p, w = tf.cast(p, dtype), tf.cast(w, dtype)
                with tf.GradientTape() as tape:
                    tape.watch([p, w, h, c])
                    outputs, last_h, _ = recurrence(p, w, h, c)
                grads = tape.gradient([outputs, last_h], [p, w, h, c],
                                      output_gradients=[tf.cast(do, outputs.dtype), dh])
                return [tf.cast(outputs, tf.float32), last_h] + [tf.cast(g, tf.float32)
                                                                 for g in grads]
            return lambda: run(**tensors)

        def raw():
            chained = (lambda a: a) if k else (lambda a: a[None])
            over_time = (lambda a: a) if k else (lambda a: a[:, None])
            fwd = run_forward(over_time(data["p"]), chained(data["w"]),
                                         chained(data["h"]), chained(data["c"]))
            return run_backward(over_time(data["do"]), chained(data["dh"]),
                                           np.zeros_like(fwd[2]), chained(data["w"]), *fwd[3:])

        def tf_products(p, w, h, c, do, dh):
            """Only the products of fused_recurrence's forward and backward (one slice or
            concat per step keeps them sequential): its time if the gate work were free."""
            chains = tf.unstack(w) if k else [w]
            starts = tf.unstack(h) if k else [h]
            results = []
            for kernel, x in zip(chains, starts):
                kernel_t = tf.raw_ops.Snapshot(input=tf.transpose(kernel))
                seen = []
                for _ in range(T):
                    seen.append(x)
                    x = tf.matmul(x, kernel)[:, :u]
                g = tf.concat([x] * 4, axis=1)
                grads = []
                for _ in range(T):
                    grads.append(g)
                    g = tf.concat([tf.matmul(g, kernel_t)] * 4, axis=1)
                results.append(tf.matmul(tf.concat(seen, 0), tf.concat(grads, 0),
                                         transpose_a=True) + g[0, 0])
            return results

        def numba_products():
            """Only the products of the numba kernels, threaded as they are."""
            chains = k or 1
            w = data["w"] if k else data["w"][None]
            w_t = np.ascontiguousarray(np.swapaxes(w, 1, 2))
            states = np.zeros((chains, T + 1, B, u), np.float32)
            d_gates = np.zeros((chains, T, B, 4 * u), np.float32)
            items = _row_chunks(B, chains)
            _parallel([
                (lambda k_, r0, r1: lambda: _products(states[k_], w[k_], w_t[k_], d_gates[k_],
                                                      r0, r1))(*item) for item in items])
            pieces = _row_chunks(T, chains)
            out = np.empty((len(pieces), u, 4 * u), np.float32)
            _parallel([
                (lambda i, k_, t0, t1: lambda: kernel_gradient(
                    states[k_], d_gates[k_], t0, t1, out[i]))(i, *piece)
                for i, piece in enumerate(pieces)])

        tf_products_fn = tf.function(tf_products)
        runs = {"tf": make(fused_recurrence, tf.float32),
                "tf_products": lambda: tf_products_fn(**tensors),
                "tf_products_bf16": lambda: tf_products_fn(
                    **{**tensors, "w": tf.cast(tensors["w"], tf.bfloat16),
                       "h": tf.cast(tensors["h"], tf.bfloat16)}),
                "numba_products": numba_products,
                "tf_bf16": make(fused_recurrence, tf.bfloat16),
                "numba": make(numba_recurrence, tf.float32),
                "hybrid": make(hybrid_recurrence, tf.float32),
                "hybrid_bf16": make(hybrid_recurrence, tf.bfloat16),
                "raw": raw}
        # equality: numba against fused_recurrence, float32
        names = ["outputs", "final h", "d projected", "d kernel", "dh0", "dc0"]
        for kind, dtype in [("numba", "tf"), ("hybrid", "tf"), ("hybrid_bf16", "tf_bf16")]:
            if kind not in variants:
                continue
            want, got = runs[dtype](), runs[kind]()
            diffs = [float(np.max(np.abs(a.numpy() - b.numpy())) / np.max(np.abs(a.numpy())))
                     for a, b in zip(want, got)]
            print(f"{shape}: max |{kind} - {dtype}| / max |{dtype}|: "
                  + ", ".join(f"{n} {d:.2e}" for n, d in zip(names, diffs)))
        for name in variants:  # warm up (tracing, numba compilation)
            runs[name]()
        times = {name: [] for name in variants}
        cpu = {name: [] for name in variants}
        for _ in range(args.rounds):
            for name in variants:
                reps, cpu_reps = [], []
                for _ in range(args.reps):
                    start, cpu_start = time.perf_counter(), time.process_time()
                    runs[name]()
                    reps.append(time.perf_counter() - start)
                    cpu_reps.append(time.process_time() - cpu_start)
                times[name].append(float(np.median(reps)))
                cpu[name].append(float(np.median(cpu_reps)))
        base = np.array(times["tf"]) if "tf" in times else None
        for name in variants:
            # each variant against TensorFlow in the same precision, round by round
            same = "tf_bf16" if "bf16" in name else "tf"
            if name != same and same in times:
                ratio = np.array(times[same]) / np.array(times[name])
                cpu_ratio = np.array(cpu[same]) / np.array(cpu[name])
                print(f"{shape} {name} vs {same}: wall {np.median(ratio):.2f}x "
                      f"(min {ratio.min():.2f}, max {ratio.max():.2f}), CPU "
                      f"{np.median(cpu_ratio):.2f}x (min {cpu_ratio.min():.2f}, "
                      f"max {cpu_ratio.max():.2f})")
        for name in variants:
            ms = np.array(times[name]) * 1e3
            line = (f"{shape} {name:8s} median {np.median(ms):7.2f} ms "
                    f"(min {ms.min():.2f}, max {ms.max():.2f}, {args.rounds} rounds x "
                    f"{args.reps} calls; CPU {np.median(cpu[name]) * 1e3:.1f} ms)")
            if base is not None:
                ratio = base / np.array(times[name])
                line += (f"  speed-up vs tf: median {np.median(ratio):.2f}x "
                         f"(min {ratio.min():.2f}, max {ratio.max():.2f})")
            print(line, flush=True)


if __name__ == "__main__":
    main()
