"""Benchmark: sample N sequences (temperature 0.5, NoteSequences out) from a checkpoint, as
magenta's `TrainedModel.sample` does; optionally beside magenta's own code in the same minutes.

    .venv/bin/python bench/sample.py                      # cat-mel_2bar_small fixture, 512
    .venv/bin/python bench/sample.py --config hierdec-trio_16bar --checkpoint CKPT \
        --hparams "enc_rnn_size=[256,256],dec_rnn_size=[128,128],z_size=64" \
        --num 256 --oracle ../magenta-oracle --rounds 2

Default: the shared cat-mel_2bar_small fixture checkpoint (magenta on this project's 2-core
machine: 1,380 samples/s at batch 512, fixtures README). With --oracle VENV, each round times
Serenade (--repeats batches of --num) and then magenta (tools/oracle/sample_speed.py run with
VENV's python on the same checkpoint and hparams, batch --num, --repeats timed batches), so both
see the same machine. Decoding runs in --precision (default auto, as the workflow's generation:
bfloat16 products on CPUs that have them; float32 for magenta's numbers). Prints per-repeat
figures, the decoder's FLOPs per sample and the share of the matmul peak it reaches; the last
line is `samples_per_sec=<median> gflops=... peak_share=... precision=...`, or with --oracle
`serenade_samples_per_sec=... magenta_samples_per_sec=... ratio=...` and the same (medians).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORACLE_TIMER = ROOT / "tools" / "oracle" / "sample_speed.py"
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))  # flops.py, peak.py


def magenta_rate(args: argparse.Namespace, checkpoint: str) -> float:
    """Median samples/s of magenta's TrainedModel.sample (one oracle process)."""
    command = [str(Path(args.oracle) / "bin" / "python"), str(ORACLE_TIMER), args.config,
               checkpoint, str(args.num), str(args.num), args.hparams, str(args.repeats)]
    result = subprocess.run(command, capture_output=True, text=True)
    found = re.search(r"median_samples_per_sec=([0-9.]+)", result.stdout)
    if result.returncode != 0 or not found:
        raise SystemExit(f"magenta's sampling failed:\n{result.stderr[-3000:]}")
    return float(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="cat-mel_2bar_small")
    parser.add_argument("--hparams", default="", help="magenta-syntax overrides (both sides)")
    parser.add_argument("--checkpoint", default="",
                        help="magenta checkpoint (default: the cat-mel_2bar_small fixture)")
    parser.add_argument("--num", type=int, default=512, help="sequences per repeat (one batch)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--temperature", type=float, default=0.5)
    parser.add_argument("--oracle", default="", help="magenta oracle venv: time magenta too")
    parser.add_argument("--rounds", type=int, default=2, help="alternations with --oracle")
    parser.add_argument("--precision", default="auto",
                        help="decoding precision (auto, as the workflow's generation; float32: "
                             "magenta's numbers)")
    parser.add_argument("--peak", type=float, default=0.0,
                        help="matmul peak in GFLOP/s of the chosen precision (default: measured "
                             "here for 3 s, as bench/peak.py)")
    args = parser.parse_args()

    from serenade.models.checkpoint import load_model
    from serenade.paths import MAGENTA_FIXTURES

    if not args.checkpoint:
        if args.config != "cat-mel_2bar_small":
            raise SystemExit(f"--checkpoint is needed for {args.config}")
        args.checkpoint = str(MAGENTA_FIXTURES / "cat-mel_2bar_small" / "checkpoint")
    model = load_model(args.checkpoint, args.config, args.hparams, precision=args.precision)
    print(f"decoding {model.decoding.describe()}")
    converter = model.config.converter
    cpu_seconds: list[float] = []

    def once(seed: int) -> tuple[float, float, int]:
        cpu_start = time.process_time()
        start = time.perf_counter()
        events, _ = model.sample(args.num, args.temperature, seed=seed, keep_logits=False)
        middle = time.perf_counter()
        sequences = [converter.to_note_sequence(row) for row in events]
        end = time.perf_counter()
        cpu_seconds.append(time.process_time() - cpu_start)
        return middle - start, end - middle, sum(len(s.notes) for s in sequences)

    once(0)  # warm-up
    rates: list[float] = []
    theirs: list[float] = []
    for round_index in range(args.rounds if args.oracle else 1):
        for repeat in range(args.repeats):
            decode_s, convert_s, notes = once(len(rates) + 1)
            rates.append(args.num / (decode_s + convert_s))
            print(f"repeat {len(rates) - 1}: decode {decode_s * 1e3:.1f} ms, to NoteSequence "
                  f"{convert_s * 1e3:.1f} ms, {notes} notes, {rates[-1]:.0f} samples/s", flush=True)
        if args.oracle:
            theirs.append(magenta_rate(args, args.checkpoint))
            print(f"round {round_index + 1}: magenta {theirs[-1]:.1f} samples/s (median of "
                  f"{args.repeats})", flush=True)
    ours = statistics.median(rates)
    print(f"{args.config}: best {max(rates):.0f} samples/s, median {ours:.0f} samples/s")
    # CPU seconds used per repeat do not grow when other processes compete for the cores,
    # so they give a rough idea of the rate on an idle machine (all cores busy, no waiting).
    cpu = statistics.median(cpu_seconds[1:])
    print(f"CPU time per repeat {cpu * 1e3:.0f} ms over {os.cpu_count()} cores: about "
          f"{args.num * (os.cpu_count() or 1) / cpu:.0f} samples/s if the cores were free")
    # Other processes on the same cores slow the wall-clock figures: report the load with them.
    print(f"load average (1, 5, 15 min) at the end: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    from flops import sample_flops
    from peak import gflops

    work = sample_flops(model.config)
    matmul_peak = args.peak or gflops(2048, 2048, 2048, model.decoding.compute_dtype, 3.0)
    achieved = ours * work / 1e9
    print(f"{work / 1e9:.4f} GFLOP per sample: {achieved:.0f} GFLOP/s, {achieved / matmul_peak:.0%} "
          f"of the {model.decoding.compute_dtype} matmul peak ({matmul_peak:.0f} GFLOP/s)")
    shares = f"gflops={achieved:.1f} peak_share={achieved / matmul_peak:.3f} precision={model.decoding.policy}"
    if theirs:
        magenta = statistics.median(theirs)
        print(f"serenade_samples_per_sec={ours:.1f} magenta_samples_per_sec={magenta:.1f} "
              f"ratio={ours / magenta:.2f} {shares}")
    else:
        print(f"samples_per_sec={ours:.1f} {shares}")


if __name__ == "__main__":
    main()
