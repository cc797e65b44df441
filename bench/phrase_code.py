"""Study: how much of a 16-bar phrase a model's code carries, and where it is lost.

    .venv/bin/python bench/phrase_code.py MODEL INPUTS... [--windows 256] [--refine 64]

MODEL is a checkpoint folder or pretrained:NAME of a 16-bar melody model; INPUTS are MIDI files,
folders or NoteSequence TFRecords (e.g. a run's eval shard). It prints:
- onsets reconstructed from mu, bar by bar (as the quality check does);
- the conductor's embedding of each bar: its variance across the windows' mu against across
  codes drawn from the prior (a decoder whose later bars hardly move with mu cannot reconstruct
  them, however well it samples);
- with --refine N: z optimised for each of N windows (Adam on the decoder's teacher-forced
  cross-entropy, from mu), then decoded greedily: what the decoder could give back with the
  best code, beside what the encoder's code gives;
- with --teacher 2BAR_MODEL: each bar decoded by that 2-bar model from its own code of the bar
  and the next (`serenade.models.bar_teacher`): the ceiling of a 16-bar model whose core decoder
  is that model's decoder (`train.bar_teacher`) and whose conductor gave every bar
  exactly the teacher's code.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from serenade.commands.quality import input_windows  # noqa: E402
from serenade.conversion.reconstruction import onset_accuracy  # noqa: E402
from serenade.generation.structure import PHRASE_STEPS, onsets_by_bar  # noqa: E402
from serenade.models.checkpoint import load_model  # noqa: E402
from serenade.models.pretrained import resolve  # noqa: E402


def _bars(values) -> str:
    return " ".join(f"{v:.2f}" for v in values)


def conductor_spread(model, z: np.ndarray) -> np.ndarray:
    """Total variance across rows of z of the conductor's embedding of each segment [segments]."""
    import tensorflow as tf

    embeddings = model.decoder.conduct(tf.constant(z, tf.float32)).numpy()  # [bars, n, u]
    return embeddings.var(axis=1).sum(axis=-1)


def refined_codes(model, windows: np.ndarray, mu: np.ndarray, steps: int,
                  rate: float) -> np.ndarray:
    """z [n, z_size] optimised from mu for the decoder's teacher-forced likelihood of windows."""
    import tensorflow as tf

    from serenade.models.objective import reconstruction_loss

    z = tf.Variable(mu)
    targets = tf.constant(windows)
    optimizer = tf.keras.optimizers.Adam(rate)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            logits = model.decoder.logits(z, targets)
            loss = tf.reduce_mean(reconstruction_loss(targets, logits, head=model.head))
        optimizer.apply_gradients([(tape.gradient(loss, z), z)])
        return loss

    for index in range(steps):
        loss = step()
        if index in (0, steps - 1):
            print(f"  refine step {index + 1}: cross-entropy {float(loss):.1f} per window, "
                  f"mean |z| {float(tf.reduce_mean(tf.norm(z, axis=1))):.1f}")
    return z.numpy()


def teacher_ceiling(model, teacher, windows: np.ndarray) -> np.ndarray:
    """Windows [n, T] decoded segment by segment (the core decoder's segments of `model`) by a
    2-bar model from its posterior mean of each segment's window (`bar_teacher`: the segment
    itself, or the bar and the next, of which the first is kept)."""
    import tensorflow as tf

    from serenade.models.bar_teacher import segments_per_window, teacher_windows

    segment = model.config.hierarchical.level_lengths[1]
    span = segments_per_window(model, teacher)
    taught = teacher_windows(tf.constant(windows), segment, span).numpy()
    _, mu, _ = teacher.encode(taught)
    decoded, _ = teacher.decode(mu, temperature=0.0, keep_logits=False)
    return np.asarray(decoded)[:, :segment].reshape(windows.shape)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model")
    parser.add_argument("inputs", nargs="+")
    parser.add_argument("--windows", type=int, default=256)
    parser.add_argument("--refine", type=int, default=0, help="windows whose z is optimised")
    parser.add_argument("--refine-steps", type=int, default=300)
    parser.add_argument("--refine-rate", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--teacher", help="a 2-bar model: print the ceiling of a model it teaches (train.bar_teacher)")
    args = parser.parse_args()

    model = load_model(resolve(args.model))
    windows, _, files = input_windows(args.inputs, model.config.name)
    if windows.shape[1] != PHRASE_STEPS:
        raise SystemExit(f"{args.model}: a 16-bar melody model is needed ({windows.shape[1]} steps)")
    rng = np.random.default_rng(args.seed)
    if len(windows) > args.windows:
        windows = windows[np.sort(rng.choice(len(windows), args.windows, replace=False))]
    windows = windows.astype(np.int64)
    converter = model.config.converter
    _, mu, sigma = model.encode(windows)
    decoded, _ = model.decode(mu, temperature=0.0, keep_logits=False)
    decoded = np.asarray(decoded)
    print(f"{len(windows)} 16-bar windows of {files} files; model {args.model}")
    print(f"from mu: onsets {onset_accuracy(converter, windows, decoded):.3f}; by bar: "
          f"{_bars(onsets_by_bar(converter, windows, decoded))}")
    print(f"posterior means spread {mu.std(axis=0).mean():.3f} per dimension, posterior noise "
          f"{np.mean(sigma):.3f}")
    prior = rng.standard_normal(mu.shape).astype(np.float32)
    print(f"conductor embedding variance by bar, codes from mu:    {_bars(conductor_spread(model, mu))}")
    print(f"conductor embedding variance by bar, codes from prior: {_bars(conductor_spread(model, prior))}")
    if args.teacher:
        teacher = load_model(resolve(args.teacher))
        ceiling = teacher_ceiling(model, teacher, windows)
        print(f"{args.teacher} decoding each bar from its own code (the bar_teacher ceiling): "
              f"onsets {onset_accuracy(converter, windows, ceiling):.3f}; by bar: "
              f"{_bars(onsets_by_bar(converter, windows, ceiling))}")
    if args.refine:
        some = windows[:args.refine]
        z = refined_codes(model, some, mu[:args.refine], args.refine_steps, args.refine_rate)
        refined, _ = model.decode(z, temperature=0.0, keep_logits=False)
        refined = np.asarray(refined)
        base = decoded[:args.refine]
        print(f"{len(some)} windows, onsets from mu {onset_accuracy(converter, some, base):.3f}, "
              f"from the optimised z {onset_accuracy(converter, some, refined):.3f}; by bar: "
              f"{_bars(onsets_by_bar(converter, some, refined))}")


if __name__ == "__main__":
    main()
