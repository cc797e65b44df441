"""Benchmark: training throughput on the path users run, beside magenta's, in the same minutes.

    .venv/bin/python bench/train_workflow.py --train results/data/notesequences/train-*.tfrecord \
        --eval results/data/notesequences/eval-*.tfrecord --steps 300 \
        [--oracle ../magenta-oracle] [--rounds 2]

Serenade: `serenade train` (what the workflow's train_model rule runs: the TFRecords read, the
input pipeline converting and augmenting NoteSequences, the train step, progress logging) from
scratch for --steps steps, no evaluation until the end; the figure is the median of its
progress lines (examples/s between two lines, the first line after tracing left out), and the
whole job's steps x batch / wall time beside it. --precision goes to `serenade train` (default
auto, as the workflow).

magenta: `train_speed.py` of ../shared/tools/magenta-oracle (magenta's own graph and train step,
feed_dict input from the first TFRecord converted by magenta's converter) for --oracle-steps.

The two alternate for --rounds rounds, so both see the same machine; the last line is
`serenade_examples_per_sec=... magenta_examples_per_sec=... ratio=...`. Only meaningful on an
otherwise idle machine. --hparams go to both sides; a config of Serenade's own is timed against
its closest magenta config (--oracle-config). Other families: build TFRecords with
`bench/make_family_data.py` and pass --config (bench/README.md has a recipe per family).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORACLE_TIMER = ROOT.parent / "shared" / "tools" / "magenta-oracle" / "train_speed.py"
RATE = re.compile(r"\| ([0-9.]+) ex/s \|")


def serenade_round(args, work: Path) -> tuple[float, float]:
    """(median examples/s of the progress lines, whole-job examples/s)."""
    out = work / f"serenade-{time.monotonic_ns()}"
    command = [sys.executable, "-m", "serenade.cli", "train", "--config", args.config,
               "--hparams", args.hparams, "--train-data", *args.train, "--eval-data", *args.eval,
               "--output", str(out), "--steps", str(args.steps), "--batch-size",
               str(args.batch_size), "--eval-every", str(10 * args.steps), "--eval-max-windows",
               "64", "--checkpoint-every", str(10 * args.steps), "--log-every", str(args.log_every),
               "--checkpoint-root", str(work / "ckpt"), "--results-dir", str(work),
               "--tracking-uri", f"sqlite:///{work / 'mlflow.db'}", "--precision", args.precision]
    started = time.monotonic()
    # This checkout's library, whichever checkout the venv's editable install points at.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))}
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env)
    wall = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit(f"serenade train failed:\n{result.stderr[-3000:]}")
    rates = [float(m) for m in RATE.findall(result.stderr + result.stdout)]
    if len(rates) < 2:
        raise SystemExit("too few progress lines: raise --steps or lower --log-every")
    return statistics.median(rates[1:]), args.steps * args.batch_size / wall


def magenta_round(args, work: Path) -> float:
    python = Path(args.oracle) / "bin" / "python"
    command = [str(python), str(ORACLE_TIMER), args.oracle_config or args.config, args.train[0],
               str(work / f"magenta-{time.monotonic_ns()}"), str(args.oracle_steps),
               str(args.batch_size)] + ([args.hparams] if args.hparams else [])
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"magenta's train_speed.py failed:\n{result.stderr[-3000:]}")
    line = [l for l in result.stdout.splitlines() if l.startswith("{")][-1]
    return float(json.loads(line)["examples_per_sec"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="cat-mel_2bar_small")
    parser.add_argument("--hparams", default="")
    parser.add_argument("--train", nargs="+", required=True, help="train TFRecords")
    parser.add_argument("--eval", nargs="+", required=True, help="eval TFRecords")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--log-every", type=int, default=25, help="steps between progress lines")
    parser.add_argument("--oracle", default="", help="magenta oracle venv (setup.sh's VENV_DIR)")
    parser.add_argument("--oracle-steps", type=int, default=60)
    parser.add_argument("--oracle-config", default="",
                        help="magenta's config to time, when --config is one of Serenade's own "
                             "(e.g. hier-mel_16bar for hier-mel_16bar_2bar_units; default: --config)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--precision", default="auto",
                        choices=("auto", "float32", "mixed_bfloat16", "mixed_float16"),
                        help="serenade train's --precision (magenta trains in float32)")
    args = parser.parse_args()

    ours, whole, theirs = [], [], []
    with tempfile.TemporaryDirectory(prefix="serenade-bench-") as temp:
        for round_index in range(args.rounds):
            steady, job = serenade_round(args, Path(temp))
            ours.append(steady)
            whole.append(job)
            print(f"round {round_index + 1}: serenade train {steady:.1f} ex/s steady, "
                  f"{job:.1f} ex/s over the whole job", flush=True)
            if args.oracle:
                theirs.append(magenta_round(args, Path(temp)))
                print(f"round {round_index + 1}: magenta train step {theirs[-1]:.1f} ex/s",
                      flush=True)
    ours_median = statistics.median(ours)
    line = f"serenade_examples_per_sec={ours_median:.1f} serenade_job_examples_per_sec=" \
           f"{statistics.median(whole):.1f}"
    if theirs:
        theirs_median = statistics.median(theirs)
        line += f" magenta_examples_per_sec={theirs_median:.1f} ratio={ours_median / theirs_median:.2f}"
    print(line)


if __name__ == "__main__":
    main()
