"""GrooVAE's jobs: humanize a drum loop, drums from a tapped rhythm, add a hi-hat; their figures.

  serenade groove humanize --config groovae_2bar_humanize --checkpoint CKPT IN.mid -o OUT.mid
  serenade groove tap --config groovae_2bar_tap_fixed_velocity --checkpoint CKPT IN.mid -o OUT.mid
  serenade groove add-hihat --config groovae_2bar_add_closed_hh --checkpoint CKPT IN.mid -o OUT.mid
  serenade groove quality --config CONFIG --checkpoint CKPT MIDI_OR_FOLDER... [--output F.json]

humanize: a quantized drum loop -> the same hits with a drummer's velocities and micro-timing
(the encoder sees the hits only). tap: any one-voice rhythm, drum or pitched -> a kit part (the
encoder sees one tap per step). add-hihat: a groove -> the same groove plus a closed hi-hat from
the model (--whole: the model's whole decode instead). Each reads the whole file in the config's
windows (2 bars) at its tempo and writes one MIDI file with velocities and timing offsets;
encoding takes the posterior mean, hits are drawn at --temperature (0: the most likely).
quality: each window of real performances reconstructed through the config's encoder view
(humanized, tapped, without hi-hat...): hit F1 per step and drum class, velocity and timing
errors on shared hits, and the timing spread of the output against the performance's.
See docs/generation.md, "GrooVAE jobs and figures".
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from serenade.commands.options import (add_model_options, add_seed_option,
                                       add_temperature_option, finite_float, load_from_args,
                                       output_midi, read_array)
from serenade.commands.quality import input_files
from serenade.errors import UserError, one_line
from serenade.models.configs import get_config

# This module also serves `serenade encode/decode/sample/interpolate` for GrooVAE configs
# (float windows).
#
# A GrooVAE window is float [T, 27]: per step the hit, velocity and offset of 9 drum classes
# (`serenade.groove`). Its encoder reads the converter's `inputs` (changed by humanize, tapify,
# ...), with the output hits as controls for `groovae_2bar_hits_control_tfds`; decoding gives
# hits (drawn at --temperature, 0: greedy), velocities and offsets, written back to MIDI with
# velocities and micro-timing by the converter's `to_note_sequence` (120 qpm, as magenta).
#
# - encode: MIDI files (window --window of each, infer mode: the reduced pitch classes) or .npy
#   encoder inputs [n, T, 27] -> OUT.npz with `mu`, `sigma`, `z`, `inputs` (and `outputs`,
#   the performance, for MIDI inputs; `controls` [n, T, 9] for a config with controls);
# - decode: z of a .npy or .npz (`z`, or `mu` with --use-mu; a config with controls takes the
#   `controls` of an .npz from encode, one row per z, or the hits of --controls-midi for every z)
#   -> OUT.npz with `samples` (and `outputs`, the raw decoder outputs) or one MIDI file per z;
# - sample: z ~ N(0, I), one MIDI file each (a config with controls: --controls-midi's hits);
# - interpolate: mu of two MIDI windows, slerp/lerp between them, one MIDI file per step (a
#   config with controls decodes every step with input 1's hits, as magenta decodes with one
#   control sequence).

JOB_HELP = {
    "humanize": "a quantized drum loop -> velocities and micro-timing (groovae_2bar_humanize)",
    "tap": "a tapped rhythm, one voice, drum or pitched -> drums "
           "(groovae_2bar_tap_fixed_velocity)",
    "add-hihat": "a groove -> the same groove plus a closed hi-hat (groovae_2bar_add_closed_hh)",
}


def read_sequence(path: str | Path):
    """The NoteSequence of a MIDI file; UserError naming the file when it cannot be read."""
    import note_seq

    try:
        return note_seq.midi_file_to_note_sequence(str(path))
    except (OSError, note_seq.MIDIConversionError, ValueError, EOFError) as error:
        raise UserError(f"{path}: not a readable MIDI file ({one_line(error)})") from None


def midi_window(model, path: str | Path, index: int = 0
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(encoder inputs [T, 27], performance [T, 27], controls [T, c], window count) of window
    `index` of a MIDI file; UserError naming the file and why not."""
    sequence = read_sequence(path)
    converter = model.config.converter
    try:
        tensors = converter.to_tensors(sequence, "infer")
    except KeyError as error:  # the converter's UnmappedDrumPitch: a pitch in no drum class
        raise UserError(f"{path}: {str(error).strip(chr(39))}") from None
    count = len(tensors)
    if count == 0:
        reason = converter.explain(sequence, "infer") or "no window found"
        raise UserError(f"{path}: no {model.config.name} window in this file: {reason}")
    if not 0 <= index < count:
        raise UserError(f"{path}: window {index} asked for, but the file has {count} "
                        f"window(s) (0..{count - 1}) for {model.config.name}")
    return (tensors.inputs[index], tensors.outputs[index],
            tensors.controls[index].astype(np.float32), count)


def write_midi(model, samples: np.ndarray, directory: Path, stem: str) -> list[Path]:
    """One MIDI file per decoded window [T, 27], STEM-III-of-NNN.mid."""
    import note_seq

    directory.mkdir(parents=True, exist_ok=True)
    converter = model.config.converter
    paths = []
    for i, sample in enumerate(samples):
        path = directory / f"{stem}-{i:03d}-of-{len(samples):03d}.mid"
        note_seq.sequence_proto_to_midi_file(converter.to_note_sequence(sample), str(path))
        paths.append(path)
    return paths


def _no_chords(args: argparse.Namespace) -> None:
    if getattr(args, "chords", None):
        raise UserError(f"--chords: config {args.config} is not chord-conditioned (a GrooVAE "
                        "config)")


def _controls_midi(model, args: argparse.Namespace) -> np.ndarray | None:
    """The hits per step of --controls-midi's first window, for a config with controls."""
    path = getattr(args, "controls_midi", None)
    if not model.control_depth:
        if path:
            raise UserError(f"--controls-midi: config {args.config} takes no controls")
        return None
    if not path:
        return None
    return midi_window(model, path)[2]


def encode(model, args: argparse.Namespace) -> int:
    _no_chords(args)
    inputs, outputs, controls = [], [], []
    for path in args.inputs:
        if path.lower().endswith(".npy"):
            array = read_array(path)
            if array.ndim == 2:
                array = array[None]
            if array.shape[1:] != (model.window_steps, model.input_depth):
                raise UserError(f"{path}: expected encoder inputs [n, {model.window_steps}, "
                                f"{model.input_depth}] for {args.config}, got {array.shape}")
            if model.control_depth:
                raise UserError(f"{path}: config {args.config} encodes with the hits per step "
                                "as controls: give MIDI files")
            inputs.extend(array.astype(np.float32))
        else:
            x, y, c, _ = midi_window(model, path, args.window)
            inputs.append(x)
            outputs.append(y)
            controls.append(c)
    inputs = np.stack(inputs).astype(np.float32)
    if not np.isfinite(inputs).all():
        raise UserError("the inputs hold NaN or infinite values")
    stacked_controls = np.stack(controls) if model.control_depth else None
    z, mu, sigma = model.encode(inputs, seed=args.seed, controls=stacked_controls)
    arrays = {"mu": mu, "sigma": sigma, "z": z, "inputs": inputs}
    if len(outputs) == len(inputs):
        arrays["outputs"] = np.stack(outputs)
    if stacked_controls is not None:
        arrays["controls"] = stacked_controls
    args.output.parent.mkdir(parents=True, exist_ok=True)
    np.savez(args.output, **arrays)
    print(f"encoded {len(inputs)} window(s) -> {args.output}")
    return 0


def _decode_controls(model, args: argparse.Namespace, n: int) -> np.ndarray | None:
    given = _controls_midi(model, args)
    if not model.control_depth:
        return None
    if given is not None:
        return given
    if str(args.z).lower().endswith(".npz"):
        with np.load(args.z) as arrays:
            if "controls" in arrays.files:
                controls = np.asarray(arrays["controls"], np.float32)
                if controls.shape == (n, model.window_steps, model.control_depth):
                    return controls
                raise UserError(f"{args.z}: controls {controls.shape} do not fit {n} z of "
                                f"{args.config}")
    raise UserError(f"config {args.config} decodes with the hits per step as controls: give "
                    "--controls-midi, or an .npz from `serenade encode` (its controls)")


def decode(model, args: argparse.Namespace, z: np.ndarray) -> int:
    """Decode z [n, z_size] (read from --z by `serenade.commands.decode.read_z`)."""
    _no_chords(args)
    controls = _decode_controls(model, args, len(z))
    samples, raw = model.decode(z, args.temperature, seed=args.seed, controls=controls)
    output = args.output
    if output.suffix == ".npz":
        output.parent.mkdir(parents=True, exist_ok=True)
        np.savez(output, samples=samples, outputs=raw)
        print(f"decoded {len(samples)} z -> {output}")
    else:
        paths = write_midi(model, samples, output, f"{args.config}_decode")
        print(f"decoded {len(paths)} z -> {output}/")
    return 0


def sample(model, args: argparse.Namespace) -> int:
    _no_chords(args)
    controls = _controls_midi(model, args)
    if model.control_depth and controls is None:
        raise UserError(f"config {args.config} is conditioned on the hits per step: give "
                        "--controls-midi (a drum MIDI file whose hits every sample follows)")
    rng = np.random.default_rng(args.seed)
    batches = []
    for start in range(0, args.num_outputs, args.max_batch_size):
        count = min(args.max_batch_size, args.num_outputs - start)
        batch, _ = model.sample(count, args.temperature, seed=int(rng.integers(2**31)),
                                controls=controls, prior=args.prior)
        batches.append(batch)
    stamp = time.strftime("%Y-%m-%d_%H%M%S")
    paths = write_midi(model, np.concatenate(batches), args.output_dir,
                       f"{args.config}_sample_{stamp}")
    print(f"wrote {len(paths)} MIDI file(s) to {args.output_dir}")
    return 0


def interpolate(model, args: argparse.Namespace) -> int:
    _no_chords(args)
    first = midi_window(model, args.input_midi_1, args.window_1)
    second = midi_window(model, args.input_midi_2, args.window_2)
    for path, index, found in ((args.input_midi_1, args.window_1, first),
                               (args.input_midi_2, args.window_2, second)):
        if found[3] > 1:
            print(f"{path}: using window {index} of {found[3]}")
    with_controls = bool(model.control_depth)
    _, samples = model.interpolate(
        first[0], second[0], args.num_outputs, temperature=args.temperature, seed=args.seed,
        method=args.method, start_controls=first[2] if with_controls else None,
        end_controls=second[2] if with_controls else None,
        controls=first[2] if with_controls else None)
    stamp = time.strftime("%Y-%m-%d_%H%M%S")
    paths = write_midi(model, samples, args.output_dir, f"{args.config}_interpolate_{stamp}")
    print(f"wrote {len(paths)} MIDI file(s) to {args.output_dir}")
    return 0


# ----------------------------------------------------------------- serenade groove JOB


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="job", required=True, metavar="JOB",
                                help="what to do with a GrooVAE model")
    for name, text in JOB_HELP.items():
        job = sub.add_parser(name, help=text, description=text)
        add_model_options(job, groove=True)
        job.add_argument("input", metavar="IN.mid", help="the MIDI file to read")
        job.add_argument("-o", "--output", required=True, type=output_midi,
                         help="the MIDI file to write")
        add_temperature_option(job)
        add_seed_option(job)
        if name == "add-hihat":
            job.add_argument("--whole", action="store_true",
                             help="write the model's whole decode (default: the input's other "
                                  "hits as they are, the added hi-hat from the model)")
    quality = sub.add_parser(
        "quality", help="hit F1, velocity and timing errors of reconstructed performances",
        description="Reconstruct every window of real drum performances through the config's "
                    "encoder view and measure the decode against the performance.")
    add_model_options(quality, groove=True)
    quality.add_argument("inputs", nargs="+", metavar="INPUT",
                         help="drum MIDI files or folders of them")
    quality.add_argument("--temperature", type=finite_float(minimum=0.0), default=0.0,
                         help="hits drawn at this temperature (default 0: the most likely)")
    add_seed_option(quality)
    quality.add_argument("--output", default=None, help="write the figures to this .json")


def run(args: argparse.Namespace) -> int:
    config = get_config(args.config)
    if not config.groove:
        raise UserError(f"--config {args.config} is not a GrooVAE config (groovae_*)")
    if args.job == "quality":
        return run_quality(args)
    return run_job(args)


def run_job(args: argparse.Namespace) -> int:
    import note_seq

    from serenade.groove import jobs

    job = jobs.JOBS[args.job]
    try:  # before loading anything: the config must do the job
        jobs.check_config(job, args.config, get_config(args.config).converter)
    except ValueError as error:
        raise UserError(f"--config: {error}") from None
    sequence = read_sequence(args.input)
    model = load_from_args(args)
    try:
        result = jobs.run_job(model, job, sequence, temperature=args.temperature,
                              seed=args.seed, whole=getattr(args, "whole", False))
    except jobs.GrooveInputError as error:
        raise UserError(f"{args.input}: {error}") from None
    except KeyError as error:  # the converter's UnmappedDrumPitch
        raise UserError(f"{args.input}: {str(error).strip(chr(39))}") from None
    converter = model.config.converter
    args.output.parent.mkdir(parents=True, exist_ok=True)
    note_seq.sequence_proto_to_midi_file(result.note_sequence(converter), str(args.output))
    if result.steps_left_out:
        bars = -(-result.steps_left_out // converter.steps_per_bar)
        print(f"{args.input}: the last {bars} bar(s), shorter than a {converter.split_bars}-bar "
              "window, are left out")
    print(f"{args.job}: {len(result.performance)} window(s) of {args.input} -> {args.output}")
    return 0


def run_quality(args: argparse.Namespace) -> int:
    from serenade.groove import quality
    from serenade.groove.reconstruction import reconstruct_performances

    midi, others = input_files(args.inputs)
    if others:
        raise UserError(f"{others[0]}: not a MIDI file (serenade groove quality reads .mid/.midi)")
    model = load_from_args(args)
    try:
        found = reconstruct_performances(
            model, ((str(path), read_sequence(path)) for path in midi),
            temperature=args.temperature, seed=args.seed)
    except ValueError as error:
        raise UserError(str(error)) from None
    for line in found.skipped:
        print(f"skipped {line}")
    figures = found.figures
    print(quality.format_figures(f"{args.config}: {found.pieces} file(s), reconstructions "
                                 f"of the performances (temperature {args.temperature:g})",
                                 figures))
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(json.dumps(figures, indent=1, sort_keys=True) + "\n")
    return 0
