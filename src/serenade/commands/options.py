"""Options the model commands share (config, hparams, checkpoint, seed, numbers, outputs) and
their loading. Flags are checked while parsing, so a bad value stops the command before any
model is loaded or any file is written. A flag that is also a workflow setting takes its
default from the config schema (`serenade.config_schema`), so both change together."""

from __future__ import annotations

import argparse
import logging
import math
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from serenade.commands.config_match import check_config_matches
from serenade.config_schema import schema_at, schema_default
from serenade.errors import UserError, one_line
from serenade.models import latent_prior as priors
from serenade.models.configs import check_class_windows, get_config


# What the workflow's outputs sound like (generate.velocity, generate.program).
VELOCITY = schema_default("generate.velocity")
PROGRAM = schema_default("generate.program")


# The most pieces (files) one command writes: --num-outputs and --num-steps past it are usage
# errors, so a typo of a few zeros cannot run for hours and fill a disk.
MAX_OUTPUTS = 10_000
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# magenta's --log levels (absl's names; WARN and FATAL as Python's WARNING and CRITICAL).
LOG_LEVELS = {"DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARN": logging.WARNING,
              "WARNING": logging.WARNING, "ERROR": logging.ERROR, "FATAL": logging.CRITICAL}


def config_name(text: str) -> str:
    """An argparse type: a known config name of class windows (checked while parsing, before
    any import of TensorFlow); GrooVAE configs are refused by name."""
    try:
        check_class_windows(get_config(text), "this command")
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def any_config_name(text: str) -> str:
    """An argparse type: a known config name, GrooVAE's included (encode, decode, sample and
    interpolate take them: `serenade.commands.groove`)."""
    try:
        get_config(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def add_config_option(parser: argparse.ArgumentParser, text: str, groove: bool = False,
                      required: bool = True) -> None:
    parser.add_argument("--config", required=required,
                        type=any_config_name if groove else config_name, help=text)


def add_log_option(parser: argparse.ArgumentParser) -> None:
    """magenta's --log (music_vae_generate, music_vae_train): the logging threshold."""
    parser.add_argument("--log", type=str.upper, choices=tuple(LOG_LEVELS), default=None,
                        help="logging threshold, as magenta's --log: DEBUG, INFO, WARN, ERROR "
                             "or FATAL (default: warnings, INFO for train)")


def check_model_flags(args: argparse.Namespace) -> None:
    """--hparams under --config, checked before any model is built; UserError naming the flag.
    Without --config, the config a Serenade checkpoint was saved with (magenta's name none)."""
    if args.config is None:
        from serenade.models.checkpoint import stored_config

        args.config = stored_config(checkpoint_of(args))
        if args.config is None:
            raise UserError(f"{checkpoint_of(args)}: a magenta checkpoint: give its --config "
                            "(e.g. cat-mel_2bar_small, hierdec-mel_16bar)")
        args.config_from_checkpoint = True
    try:
        get_config(args.config, args.hparams)
    except ValueError as error:
        raise UserError(f"--hparams {args.hparams!r}: {error}") from None


def add_model_options(parser: argparse.ArgumentParser, groove: bool = False) -> None:
    """--config (GrooVAE configs too with `groove`), --log and the check of --hparams."""
    add_config_option(parser, "config name, e.g. cat-mel_2bar_small, hierdec-mel_16bar"
                      + (", groovae_2bar_humanize" if groove else "")
                      + " (default: the one a Serenade checkpoint was saved with; a magenta "
                      "checkpoint needs it)", groove, required=False)
    add_log_option(parser)
    parser.set_defaults(_check=check_model_flags)
    parser.add_argument("--hparams", default=schema_default("models.hparams"),
                        help="hparam overrides in magenta syntax, e.g. 'z_size=32,enc_rnn_size=[96,96]'")
    parser.add_argument("--checkpoint", "--checkpoint-file", "--checkpoint_file", dest="checkpoint",
                        default=None,
                        help="magenta checkpoint (directory, prefix or published .tar) or a Serenade one")
    parser.add_argument("--run-dir", "--run_dir", dest="run_dir", default=None,
                        help="instead of --checkpoint: a training run folder (magenta's, or "
                             "`serenade train --run_dir`'s); its train/ holds the model")
    parser.add_argument("--precision", default="float32",
                        choices=("auto", "float32", "mixed_bfloat16", "mixed_float16"),
                        help="precision of the products, encoding and decoding (auto: "
                             "bfloat16 where the CPU has it, as the workflow's generation; "
                             "default float32: magenta's numbers)")


def add_setting_option(parser: argparse.ArgumentParser, key: str, *flags: str, **kwargs) -> None:
    """A flag for the workflow setting `key`: its default (and, unless given, its help) from the
    config schema. A boolean setting gets --FLAG and --no-FLAG."""
    node = schema_at(key)
    kwargs.setdefault("default", schema_default(key))
    text = kwargs.pop("help", None) or node.get("description", "").replace("%", "%%")
    boolean = node.get("type") == "boolean"
    if "enum" in node:
        kwargs.setdefault("choices", node["enum"])
    if boolean:
        kwargs["action"] = argparse.BooleanOptionalAction
    elif kwargs["default"] not in ("", None):
        text = f"{text} (default {kwargs['default']})"
    action = parser.add_argument(*flags, help=text, **kwargs)
    if boolean and "(default" not in action.help:  # some Pythons' BooleanOptionalAction add it
        action.help += f" (default: {'on' if kwargs['default'] else 'off'})"


def add_seed_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int_at_least(0), default=None,
                        help="random seed (default: random)")


def add_temperature_option(parser: argparse.ArgumentParser) -> None:
    default = schema_default("generate.temperature")
    parser.add_argument("--temperature", type=finite_float(minimum=0.0), default=default,
                        help=f"sampling temperature; 0 takes the most likely event (default {default})")


def add_prior_option(parser: argparse.ArgumentParser) -> None:
    default = schema_default("models.sample_prior")
    parser.add_argument("--prior", choices=priors.CHOICES, default=default,
                        help="what samples draw z from: the Gaussian fitted to the training "
                             "windows' posteriors that the model was saved with (N(0, I) when it "
                             f"has none), or N(0, I) as magenta samples (default {default})")


def finite_float(minimum: float | None = None) -> Callable[[str], float]:
    """An argparse type: a finite number (nan and inf are refused), at least `minimum`."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        if minimum is not None and value < minimum:
            raise argparse.ArgumentTypeError(f"{text} is less than {minimum:g}")
        return value
    return parse


def int_at_least(minimum: int, most: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number, at least `minimum` (and at most `most`)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text} is less than {minimum}")
        if most is not None and value > most:
            raise argparse.ArgumentTypeError(
                f"{text} is more than {most}, the most one command makes (run it again for more)")
        return value
    return parse


def _check_writable_parent(path: Path, text: str) -> None:
    """The nearest existing folder above `path` must be a writable folder."""
    for parent in path.parents:
        if parent.exists() or parent.is_symlink():
            if not parent.is_dir():
                raise argparse.ArgumentTypeError(f"{text}: {parent} is a file, not a folder")
            if not os.access(parent, os.W_OK | os.X_OK):
                raise argparse.ArgumentTypeError(f"{text}: {parent} is not writable")
            return


def output_directory(text: str) -> Path:
    """An argparse type: a folder that exists, or can be made (not a file, not under a file)."""
    path = Path(text)
    if path.exists() or path.is_symlink():
        if not path.is_dir():
            raise argparse.ArgumentTypeError(f"{text} is a file, not a folder")
        if not os.access(path, os.W_OK | os.X_OK):
            raise argparse.ArgumentTypeError(f"{text} is not writable")
        return path
    _check_writable_parent(path, text)
    return path


def output_npz(text: str) -> Path:
    """An argparse type: an .npz file to write (its folder may not exist yet)."""
    path = Path(text)
    if path.suffix != ".npz":
        raise argparse.ArgumentTypeError(f"{text}: must end in .npz")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder, not a file")
    _check_writable_parent(path, text)
    return path


def output_midi(text: str) -> Path:
    """An argparse type: a .mid/.midi file to write (its folder may not exist yet)."""
    path = Path(text)
    if path.suffix.lower() not in (".mid", ".midi"):
        raise argparse.ArgumentTypeError(f"{text}: must end in .mid or .midi")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder, not a file")
    _check_writable_parent(path, text)
    return path


def output_npz_or_directory(text: str) -> Path:
    """An argparse type: OUT.npz, or a folder for MIDI files."""
    return output_npz(text) if text.endswith(".npz") else output_directory(text)


def add_mode_option(parser: argparse.ArgumentParser, mode: str) -> None:
    """magenta's --mode of music_vae_generate, accepted where it names this command."""
    parser.add_argument("--mode", choices=(mode,), default=mode,
                        help=f"magenta's --mode; `{mode}` is the only one this command makes")


def read_array(path: str | Path, choose: Callable[[list[str]], str] | None = None) -> np.ndarray:
    """The numeric array of a .npy file, or of an .npz file the one `choose(names)` names;
    UserError naming the file when it cannot be read (missing, not numpy, pickled objects,
    not numbers)."""
    try:
        loaded = np.load(path, allow_pickle=False)
        if isinstance(loaded, np.ndarray):
            array = loaded
        else:
            with loaded:
                if choose is None:
                    raise UserError(f"{path}: an .npz file where a .npy array is expected")
                array = loaded[choose(list(loaded.files))]
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
        if isinstance(error, OSError) and not Path(path).is_file():
            raise UserError(f"{path}: no such file") from None
        raise UserError(f"{path}: not a numeric numpy array Serenade can read ({one_line(error)};"
                        " pickled objects are refused)") from None
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise UserError(f"{path}: holds {array.dtype} values, not numbers")
    return array


def checkpoint_of(args: argparse.Namespace) -> str:
    """--checkpoint, or the model of --run_dir: RUN_DIR/train/checkpoint (Serenade's) or
    RUN_DIR/train (magenta's checkpoints); UserError when neither or both are given."""
    if (args.checkpoint is None) == (args.run_dir is None):
        raise UserError("give exactly one of --checkpoint (--checkpoint_file) or --run_dir")
    if args.checkpoint is not None:
        return args.checkpoint
    train = Path(args.run_dir) / "train"
    for candidate in (train / "checkpoint", train):
        if candidate.is_dir():
            return str(candidate)
    raise UserError(f"--run_dir {args.run_dir}: no trained model in {train}")


def load_from_args(args: argparse.Namespace):
    """The model of --checkpoint under --config/--hparams; UserError naming the bad flag, or
    a --config that the checkpoint contradicts (`config_match`)."""
    from serenade.models.checkpoint import load_model

    check_model_flags(args)
    # a config read from the checkpoint loads with its stored hparams, as `load_model` does
    config = None if getattr(args, "config_from_checkpoint", False) else args.config
    model = load_model(checkpoint_of(args), config, args.hparams,
                       precision=getattr(args, "precision", "float32"))
    check_config_matches(model.config, args.config, args.hparams)
    return model


def midi_window_and_chords(path: str | Path, config_name: str, index: int = 0):
    """(window, its chord classes [steps] or None without controls, window count) of window
    `index` of a MIDI file; UserError naming the file and why not."""
    from serenade.conversion.parallel import windows_for_file

    found = windows_for_file(path, config_name)
    if found.error:
        raise UserError(found.error)
    count = len(found.windows)
    if count == 0:
        reasons = found.explanation or "no window found"
        raise UserError(f"{path}: no {config_name} window in this file: {reasons}")
    if not 0 <= index < count:
        raise UserError(f"{path}: window {index} asked for, but the file has {count} "
                        f"window(s) (0..{count - 1}) for {config_name}")
    chords = None if found.controls is None else found.controls[index]
    return found.windows[index], chords, count


def add_controls_midi_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--controls-midi", "--controls_midi", dest="controls_midi", metavar="MIDI",
        help="a GrooVAE config with hits as controls (groovae_2bar_hits_control_tfds): the drum "
             "MIDI file whose first window's hits per step every output follows")


def refuse_controls_midi(args: argparse.Namespace) -> None:
    """UserError for --controls-midi with a config that is not GrooVAE's."""
    if getattr(args, "controls_midi", None):
        raise UserError(f"--controls-midi: config {args.config} is not a GrooVAE config with "
                        "hits as controls")


def add_chords_option(parser: argparse.ArgumentParser, default_help: str = "") -> None:
    parser.add_argument(
        "--chords", help="chord progression of a chord-conditioned config "
        "(cat-mel_2bar_med_chords), e.g. \"C G Am F\": spread evenly over the window as "
        "magenta.js does (4 chords in 2 bars: one per half bar); triads and their sevenths, "
        "N.C. for no chord" + (f"; {default_help}" if default_help else ""))


def chords_from_args(model, args: argparse.Namespace, default=None):
    """Chord classes [steps] of --chords (else `default`) for a model with controls, None for
    one without; UserError when they are missing, not taken or not encodable."""
    text = getattr(args, "chords", None)
    if not model.config.takes_chords:
        if text:
            raise UserError(f"--chords: config {args.config} is not chord-conditioned")
        return None
    if not text:
        if default is not None:
            return default
        raise UserError(f"--chords is required: config {args.config} is conditioned on a chord "
                        "per step (e.g. --chords \"C G Am F\")")
    from serenade.generation.conditioning import progression

    try:
        return progression(model, text, "--chords")
    except ValueError as error:
        raise UserError(str(error)) from None


def write_midi_files(model, events, directory: Path, stem: str, chords=None) -> list[Path]:
    """One MIDI file per row of events, named STEM-III-of-NNN.mid (as magenta's generator);
    with the chord classes [steps] every row was decoded with (a chord-conditioned config),
    written into each file as text events."""
    directory.mkdir(parents=True, exist_ok=True)
    converter = model.config.converter
    total = len(events)
    paths = []
    extra = {} if chords is None else {"chords": chords}
    for i, row in enumerate(events):
        path = directory / f"{stem}-{i:03d}-of-{total:03d}.mid"
        converter.to_midi(row, path, velocity=VELOCITY, program=PROGRAM, **extra)
        paths.append(path)
    return paths
