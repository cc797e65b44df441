"""Benchmark: this machine's matmul peak in TensorFlow, float32 and 16-bit, to read every speed
figure against (`bench/train.py` and `bench/sample.py` print their share of it).

    .venv/bin/python bench/peak.py [--size 2048] [--seconds 3]

Times chains of products inside one tf.function (no per-op dispatch in the figure), for a large
square product and for the LSTM shapes of the shipped models (batch 64 rows, and the 1,024 rows
of a 16-bar core decoder's 16 bars x 64). The last line is machine-readable:
`peak_float32_gflops=... peak_bfloat16_gflops=...` (the square product; float16 with --float16).
"""

from __future__ import annotations

import argparse
import time

SHAPES = [(64, 256 + 256, 1024), (64, 512 + 512, 2048), (1024, 256 + 256, 1024)]
DTYPES = ("float32", "bfloat16")  # float16 with --float16: CPUs emulate it (minutes a product)


def gflops(m: int, k: int, n: int, dtype: str, seconds: float, chain: int = 4) -> float:
    """Sustained GFLOP/s of [m, k] @ [k, n] products in `dtype`."""
    import tensorflow as tf

    a = tf.cast(tf.random.normal([m, k]), dtype)
    b = tf.cast(tf.random.normal([k, n]) / k ** 0.5, dtype)

    @tf.function
    def run(a, b):
        # independent products, so none waits for another and nothing but matmuls is timed
        return [tf.matmul(a, b) for _ in range(chain)]

    run(a, b)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        outputs = run(a, b)
        count += 1
    _ = outputs[-1].numpy()
    elapsed = time.perf_counter() - start
    return 2.0 * m * k * n * chain * count / elapsed / 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--float16", action="store_true", help="time float16 too (GPUs)")
    args = parser.parse_args()
    dtypes = DTYPES + (("float16",) if args.float16 else ())
    import os

    from serenade.models.precision import cpu_flags

    flags = sorted(cpu_flags() & {"avx512f", "avx512_bf16", "avx512_fp16", "amx_bf16", "amx_fp16"})
    print(f"{os.cpu_count()} CPUs; flags: {', '.join(flags) or 'none of the 16-bit ones'}")
    square = (args.size, args.size, args.size)
    peaks = {}
    for shape in [square] + SHAPES:
        figures = {d: gflops(*shape, d, args.seconds) for d in dtypes}
        if shape == square:
            peaks = figures
        print(f"[{shape[0]}, {shape[1]}] x [{shape[1]}, {shape[2]}]: " + ", ".join(
            f"{d} {g:.0f} GFLOP/s" for d, g in figures.items())
            + f" (bfloat16 {figures['bfloat16'] / figures['float32']:.2f}x)")
    print(" ".join(f"peak_{d}_gflops={g:.1f}" for d, g in peaks.items()))


if __name__ == "__main__":
    main()
