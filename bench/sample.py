"""Benchmark: sample 512 2-bar melodies (temperature 0.5, NoteSequences out) from the shared
cat-mel_2bar_small fixture checkpoint, as magenta's `TrainedModel.sample` does.

magenta on this project's 2-core machine: 1,380 samples/s at batch 512 (fixtures README).
Prints per-repeat figures; the last line is `samples_per_sec=<median over repeats>`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num", type=int, default=512, help="melodies per repeat (one batch)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--temperature", type=float, default=0.5)
    args = parser.parse_args()

    from serenade.models.checkpoint import load_model
    from serenade.paths import MAGENTA_FIXTURES

    model = load_model(MAGENTA_FIXTURES / "cat-mel_2bar_small" / "checkpoint", "cat-mel_2bar_small")
    converter = model.config.converter

    def once(seed: int) -> tuple[float, float, int]:
        cpu_start = time.process_time()
        start = time.perf_counter()
        events, _ = model.sample(args.num, args.temperature, seed=seed, keep_logits=False)
        middle = time.perf_counter()
        sequences = [converter.to_note_sequence(row) for row in events]
        end = time.perf_counter()
        cpu_seconds.append(time.process_time() - cpu_start)
        return middle - start, end - middle, sum(len(s.notes) for s in sequences)

    cpu_seconds: list[float] = []
    once(0)  # warm-up
    rates = []
    for repeat in range(args.repeats):
        decode_s, convert_s, notes = once(repeat + 1)
        total = decode_s + convert_s
        rates.append(args.num / total)
        print(f"repeat {repeat}: decode {decode_s * 1e3:.1f} ms, to NoteSequence "
              f"{convert_s * 1e3:.1f} ms, {notes} notes, {rates[-1]:.0f} samples/s")
    print(f"best {max(rates):.0f} samples/s, median {statistics.median(rates):.0f} samples/s "
          f"(magenta: 1380 samples/s at batch 512)")
    # CPU seconds used per repeat do not grow when other processes compete for the cores,
    # so they give a rough idea of the rate on an idle machine (all cores busy, no waiting).
    cpu = statistics.median(cpu_seconds[1:])
    print(f"CPU time per repeat {cpu * 1e3:.0f} ms over {os.cpu_count()} cores: about "
          f"{args.num * (os.cpu_count() or 1) / cpu:.0f} samples/s if the cores were free")
    # Other processes on the same cores slow the wall-clock figures: report the load with them.
    print(f"load average (1, 5, 15 min) at the end: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"samples_per_sec={statistics.median(rates):.1f}")


if __name__ == "__main__":
    main()
