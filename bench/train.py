"""Benchmark: training throughput of a config (examples/s) with Serenade's train step.

    .venv/bin/python bench/train.py --config cat-mel_2bar_small --batch-size 64 --steps 30

Brings its own data: the windows of the shared magenta fixture MIDI files (melody), or with
--midi DIR / --tfrecord FILE the windows the config's converter finds in those sequences (drum
and trio configs: `bench/make_family_data.py` writes such TFRecords), in every transposition
the config allows, drawn at random into batches held in memory (the input pipeline is not
measured). After --warmup steps (graph tracing) the optimizer's step is reset
to 0 and N steps run with the config's own schedules, so a 2-bar config runs its
scheduled-sampling decoder path as in real training. magenta on this project's 2-core CPU:
85-99 examples/s for cat-mel_2bar_small at batch 64. Timings are only meaningful on an
otherwise idle machine. --precision picks the Keras policy (default auto, as training). It
prints the FLOPs of an example (`bench/flops.py`) and the share of the matmul peak reached. The
last line is `examples_per_sec=<float> peak_rss_mb=<float> gflops=... peak_share=... precision=...`.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the test helpers (testing/)
sys.path.insert(0, str(Path(__file__).resolve().parent))  # flops.py, peak.py


def note_sequences(midi: str, tfrecord: str) -> list:
    """The NoteSequences of --midi DIR or --tfrecord FILE; the shared melody fixture otherwise."""
    if midi:
        from serenade.base.midi_parser import read_midi

        return [read_midi(path) for path in sorted(Path(midi).glob("*.mid"))]
    if tfrecord:
        from serenade.base.tfrecords import read_note_sequences

        return list(read_note_sequences(tfrecord))
    from testing.fixtures import fixture_note_sequences

    return list(fixture_note_sequences())


def config_windows(config, sequences: list) -> np.ndarray:
    """Inference windows of the sequences in every transposition the config allows."""
    import numpy as np

    from serenade.conversion import converter_for_config
    from serenade.melody.transposition import transpose

    converter = converter_for_config(config.name)
    low, high = getattr(converter, "transpose_range", None) or (0, 0)
    pool = []
    for sequence in sequences:
        for shift in range(low, high + 1):
            shifted = transpose(sequence, shift)[0] if shift else sequence
            windows = converter.to_windows(shifted)
            if len(windows):
                pool.append(windows)
    if not pool:
        raise SystemExit(f"the input sequences yield no windows for {config.name}")
    return np.concatenate(pool).astype(np.int32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="cat-mel_2bar_small")
    parser.add_argument("--hparams", default="", help="magenta-syntax overrides")
    parser.add_argument("--batch-size", "--batch_size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=30, help="timed steps")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps (tracing)")
    data = parser.add_mutually_exclusive_group()
    data.add_argument("--midi", default="", help="folder of .mid files to take windows from")
    data.add_argument("--tfrecord", default="", help="NoteSequence TFRecord to take windows from")
    parser.add_argument("--jit", action="store_true", help="compile the step with XLA")
    parser.add_argument("--threads", type=int, default=0, help="TF threads (0: TF's choice)")
    parser.add_argument("--precision", default="auto",
                        choices=("auto", "float32", "mixed_bfloat16", "mixed_float16"))
    parser.add_argument("--peak", type=float, default=0.0,
                        help="matmul peak in GFLOP/s of the chosen precision (default: measured "
                             "here for 3 s, as bench/peak.py)")
    args = parser.parse_args()

    import numpy as np
    import tensorflow as tf

    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    from serenade.models import precision
    from serenade.models.configs import get_config
    from serenade.training.trainer import Trainer

    chosen = precision.detect(args.precision)
    precision.apply(chosen)
    print(chosen.describe())

    config = get_config(args.config, args.hparams)
    config.hparams = config.hparams.set(batch_size=args.batch_size)
    windows = config_windows(config, note_sequences(args.midi, args.tfrecord))
    rng = np.random.default_rng(0)
    batches = [tf.constant(windows[rng.integers(0, len(windows), args.batch_size)])
               for _ in range(min(args.steps + args.warmup, 64))]
    trainer = Trainer(config, jit_compile=args.jit)
    print(f"{config.name}: {len(windows)} windows, batch {args.batch_size}, "
          f"schedule {config.hparams.sampling_schedule} {config.hparams.sampling_rate}, "
          f"jit {args.jit}")
    start = time.perf_counter()
    for i in range(args.warmup):
        trainer.train_step(batches[i % len(batches)])
    print(f"warm-up: {args.warmup} steps in {time.perf_counter() - start:.1f} s")
    trainer.optimizer.iterations.assign(0)  # train from step 0 with the real schedules
    times = []
    cpu_start = time.process_time()
    for i in range(args.steps):
        begin = time.perf_counter()
        metrics = trainer.train_step(batches[(args.warmup + i) % len(batches)])
        times.append(time.perf_counter() - begin)
    total = sum(times)
    cpu = time.process_time() - cpu_start
    rate = args.steps * args.batch_size / total
    import os

    cores = len(os.sched_getaffinity(0))
    median = float(np.median(times))
    print(f"{args.steps} steps in {total:.2f} s: median step {median * 1e3:.0f} ms "
          f"({args.batch_size / median:.1f} ex/s), loss {metrics['loss']:.2f}, "
          f"sampling probability at the end {metrics['sampling_probability']:.4f}")
    # On a shared machine wall time depends on the other load; CPU time tells how much of the
    # cores this process actually got (cores * wall / cpu = the share it would have alone).
    print(f"CPU time {cpu:.2f} s over {total:.2f} s wall ({cpu / total:.2f} of {cores} cores busy); "
          f"{args.steps * args.batch_size / cpu:.1f} examples per CPU-second")
    from flops import train_flops
    from peak import gflops

    work = train_flops(config)
    matmul_peak = args.peak or gflops(2048, 2048, 2048, chosen.compute_dtype, 3.0)
    achieved = rate * work / 1e9
    print(f"{work / 1e9:.3f} GFLOP per example: {achieved:.0f} GFLOP/s, "
          f"{achieved / matmul_peak:.0%} of the {chosen.compute_dtype} matmul peak "
          f"({matmul_peak:.0f} GFLOP/s)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"examples_per_sec={rate:.1f} peak_rss_mb={peak:.1f} gflops={achieved:.1f} "
          f"peak_share={achieved / matmul_peak:.3f} precision={chosen.policy}")


if __name__ == "__main__":
    main()
