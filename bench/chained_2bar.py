"""Study: what a 16-bar model must beat. The 2-bar model's windows chained into 16 bars, measured
with the 16-bar quality figures.

    .venv/bin/python bench/chained_2bar.py AIRDS_MIDI_DIR [--samples 256]

For every 16-bar window of the inputs (the `hierdec-mel_16bar` converter): its eight 2-bar
slices are reconstructed one by one from their mu by the 2-bar model (greedy) and laid end to
end; and `--samples` pieces of eight independent 2-bar samples at T 0.5 are chained. Both are
measured as a 16-bar model's output is (onsets and all steps reconstructed, onsets per bar,
in-scale share, pitch-class distance, bars repeating an earlier bar, key kept from the first
four bars to the last four), beside the input windows' own figures. Chained 2-bar windows keep
each slice's notes but know nothing of the phrase: the structure figures are what a
hierarchical decoder is for.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from serenade.commands.quality import input_windows  # noqa: E402
from serenade.generation import quality  # noqa: E402
from serenade.models.checkpoint import load_model  # noqa: E402
from serenade.models.pretrained import resolve  # noqa: E402

PHRASE_CONFIG = "hierdec-mel_16bar"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("inputs", nargs="+", help="MIDI files or folders, or NoteSequence TFRecords")
    parser.add_argument("--model", default="pretrained:serenade_mel_2bar",
                        help="the 2-bar model (a checkpoint folder or pretrained:NAME)")
    parser.add_argument("--samples", type=int, default=256)
    parser.add_argument("--max-windows", type=int, default=1024)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    phrases, _, files = input_windows(args.inputs, PHRASE_CONFIG)
    rng = np.random.default_rng(args.seed)
    if len(phrases) > args.max_windows:
        phrases = phrases[np.sort(rng.choice(len(phrases), args.max_windows, replace=False))]
    model = load_model(resolve(args.model))
    steps = model.config.converter.window_steps  # 32
    slices = phrases.reshape(-1, steps)  # [n * 8, 32], in order
    figures, decoded = quality.reconstruction_figures(model, slices)
    chained = decoded.reshape(phrases.shape)
    converter = model.config.converter
    print(f"{len(phrases)} 16-bar windows of {files} files; 2-bar model {args.model}")
    print(f"reconstructed slice by slice: onsets {quality.onset_accuracy(converter, phrases, chained):.3f}, "
          f"all steps {np.mean(chained == phrases):.3f} "
          f"(no-event baseline {quality.no_event_share(converter, phrases):.3f})")
    pieces = phrases.shape[1] // steps
    events, _ = model.sample(args.samples * pieces, temperature=0.5, seed=args.seed,
                             keep_logits=False)
    samples = np.asarray(events, np.int64).reshape(args.samples, pieces * steps)
    reference = quality.set_figures(phrases)
    measured = quality.set_figures(samples, reference=phrases)
    print(f"{'figure':28s} {'input windows':>14s} {'chained samples':>16s}")
    for key in ("onsets_per_bar", "in_scale", "under_16_notes", "bar_repeat_share",
                "key_kept_share", "pitch_class_distance"):
        print(f"{key:28s} {reference.get(key, float('nan')):14.3f} {measured.get(key, float('nan')):16.3f}")


if __name__ == "__main__":
    main()
