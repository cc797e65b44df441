"""A model in magenta.js's MusicVAE checkpoint format, so it plays in a web browser.

magenta.js (`@magenta/music`, music/src/music_vae/model.ts) loads a folder of:
- `config.json`: {"type": "MusicVAE", "dataConverter": {"type", "args"}, ...}: the converter
  turns NoteSequences into the model's input tensors and back, so its type and args must
  describe our config's converter exactly (pitch range, steps, segments, drum classes);
- `weights_manifest.json` and its binary shards: TensorFlow.js's weights format, float32
  little-endian, the variables under magenta's TF checkpoint names (our
  `serenade.models.magenta_layout` names; magenta.js finds them by those names), written as
  magenta-js's scripts/checkpoint_converter.py does (one group, 4 MiB shards).

magenta.js builds a narrower set of architectures than magenta: a flat model's encoder must be
one bidirectional layer, a hierarchical decoder must come with magenta's hierarchical encoder
(two single-layer levels), and a trio needs one core decoder per part. Configs outside that are
refused with the reason, before anything is written. Chord conditioning is magenta.js's
`chordEncoder: "TriadChordEncoder"`: the caller passes `{chordProgression: [...]}`, spread
evenly over the window (as `serenade.chords` spreads `--chords`).

A GrooVAE config is magenta.js's `GrooveConverter`: it builds the encoder's input from a
NoteSequence itself, with only two of magenta's input transforms (humanize; tapify, which also
drops the velocities), so a config whose encoder input needs another one (added instruments,
note dropout, tapify keeping velocities) is refused. A config conditioned on the hits declares
`extraControls: [{"name": "hits", "depth": 9}]`: the caller passes the performance's hits per
step, `{extraControls: {hits: tensor [steps, 9] of 0/1}}`, as magenta's converter derives them.
A multi-instrument performance config is magenta.js's `MultitrackConverter`: one track per
segment, each read by the encoder up to its end token (magenta's per-track lengths) and decoded
for all its rows, each track's decoder starting from the last row of the track before, as
magenta does. Its chord-conditioned configs are refused (see `_check_multitrack`). (magenta.js's
own `encode()` of such a NoteSequence puts a step's note-ons before its note-offs, unlike
magenta; `encodeTensors` of magenta's input matches: docs/generation.md.)
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from serenade.errors import UserError
from serenade.models.configs import ModelConfig
from serenade.registry import family_of

SHARD_BYTES = 4 * 1024 * 1024  # checkpoint_converter.py's --shard_megabytes default
# magenta.js's TriadChordEncoder: no chord, then 12 roots of major, minor, augmented and
# diminished triads (1 + quality * 12 + root), as our triad classes (serenade.chords)
TRIADS = 49
# The name of a GrooVAE model's hits controls in magenta.js's `extraControls`.
HITS_CONTROL = "hits"
CONFIG_FILE = "config.json"
MANIFEST_FILE = "weights_manifest.json"


class NotForMagentaJs(UserError, ValueError):
    """A config magenta.js cannot run; the message names the config and the reason."""


def _refuse(config: ModelConfig, reason: str) -> NotForMagentaJs:
    return NotForMagentaJs(f"config {config.name} cannot be exported for magenta.js: {reason}")


def _check_architecture(config: ModelConfig, family: str) -> None:
    """Refuse what magenta.js's MusicVAE.initialize() would not build (see module docstring)."""
    hierarchical_encoder = bool(config.encoder_level_lengths)
    if family == "multiperf":
        _check_multitrack(config)
    if family == "groove":
        _check_groove_inputs(config)
    chords = family == "chords" and config.control_depth == TRIADS
    if config.control_depth and not (chords or _hits_controls(config)):
        raise _refuse(config, f"magenta.js conditions a melody on chords with its "
                              f"TriadChordEncoder ({TRIADS} classes) only; this config's "
                              f"controls have {config.control_depth}")
    if bool(config.hierarchical) != hierarchical_encoder:
        raise _refuse(config, "magenta.js runs a hierarchical decoder only with magenta's "
                              "hierarchical encoder (the hier-* configs), and that encoder "
                              "only with a hierarchical decoder")
    if hierarchical_encoder and len(config.encoder_level_lengths) != 2:
        raise _refuse(config, "magenta.js's hierarchical encoder has exactly two levels")
    if len(config.hparams.enc_rnn_size) != 1:
        raise _refuse(config, f"magenta.js's encoder has one bidirectional layer "
                              f"(per level); this one has {len(config.hparams.enc_rnn_size)} "
                              f"(enc_rnn_size={list(config.hparams.enc_rnn_size)})")
    if family == "trio" and not config.hierarchical:
        raise _refuse(config, "magenta.js decodes a trio with one core decoder per part "
                              "(hier-trio_16bar), not one decoder with three softmaxes")


def _hits_controls(config: ModelConfig) -> bool:
    """A GrooVAE config conditioned on the performance's hits: magenta.js's `extraControls`."""
    return family_of(config.name) == "groove" and bool(config.converter.hits_as_controls)


def _check_groove_inputs(config: ModelConfig) -> None:
    """Refuse a GrooVAE config whose encoder input magenta.js's GrooveConverter cannot make
    from a NoteSequence (it knows humanize, and tapify without velocities)."""
    converter = config.converter
    if converter.add_instruments:
        raise _refuse(config, f"its encoder does not see drum classes "
                              f"{list(converter.add_instruments)} (add_instruments); "
                              f"magenta.js's GrooveConverter cannot leave classes out")
    if converter.note_dropout:
        raise _refuse(config, "its encoder input drops notes at random (note dropout); "
                              "magenta.js's GrooveConverter has no note dropout")
    if converter.tapify and not converter.fixed_velocities:
        raise _refuse(config, "its taps keep their velocities; magenta.js's tapify drops them")


def _check_multitrack(config: ModelConfig) -> None:
    """Refuse a multi-instrument config magenta.js's MultitrackConverter reads otherwise: it
    has one chunk per track, time shifts up to the window's length, and one chord per window."""
    converter = config.converter
    if converter.chords:
        raise _refuse(config, "magenta.js conditions a multi-instrument model on one chord "
                              "per window (it refuses a progression), given to every row after "
                              "a track's program row, padding included, where this config's "
                              "controls are the chord at each event and none on padding")
    if converter.max_num_chunks != 1:
        raise _refuse(config, "magenta.js's MultitrackConverter has one chunk per track")
    if converter.max_shift_steps != converter.steps_per_bar * converter.hop_size_bars:
        raise _refuse(config, "magenta.js's MultitrackConverter shifts time by up to the "
                              "window's length, and this config's window is not that long")


def _multitrack_args(converter) -> dict:
    return {"stepsPerQuarter": int(converter.steps_per_quarter),
            "totalSteps": int(converter.max_shift_steps),
            "numVelocityBins": int(converter.num_velocity_bins),
            "minPitch": int(converter.min_pitch), "maxPitch": int(converter.max_pitch)}


def _groove_args(converter) -> dict:
    """GrooveConverter's args: our inference pitch classes (magenta.js reads any NoteSequence
    with one set), hits/velocities/offsets side by side (not split by instrument)."""
    return {"stepsPerQuarter": int(converter.steps_per_quarter),
            "humanize": bool(converter.humanize), "tapify": bool(converter.tapify),
            "pitchClasses": _pitch_classes(converter.classes_for("infer")),
            "splitInstruments": False}


def _melody_args(converter) -> dict:
    return {"minPitch": int(converter.min_pitch), "maxPitch": int(converter.max_pitch)}


def _pitch_classes(classes) -> list[list[int]]:
    return [list(map(int, pitches)) for pitches in classes.classes]


def converter_spec(config: ModelConfig) -> dict:
    """magenta.js's `dataConverter` spec ({"type", "args"}) of the config's converter;
    NotForMagentaJs when magenta.js cannot run the config."""
    family = family_of(config.name)
    _check_architecture(config, family)
    converter = config.converter
    args: dict = {"numSteps": config.window_steps}
    if config.hierarchical:
        args["numSegments"] = int(config.hierarchical.level_lengths[0])
    if family == "melody":
        return {"type": "MelodyConverter", "args": {**args, **_melody_args(converter)}}
    if family == "chords":  # the chords are controls (model_spec's chordEncoder)
        return {"type": "MelodyConverter", "args": {**args, **_melody_args(converter.melody)}}
    if family == "drums":
        # roll input; one-hot output (cat-*) or a roll the NADE decodes (nade-*)
        kind = "DrumRollConverter" if converter.roll_output else "DrumsConverter"
        return {"type": kind,
                "args": {**args, "pitchClasses": _pitch_classes(converter.pitch_classes)}}
    if family == "trio":
        # melody and bass: magenta's full melody range, A0 (21) up, 2 classes + one per pitch
        melody = {"minPitch": 21, "maxPitch": 21 + converter.part_depths[0] - 3}
        return {"type": "TrioConverter",
                "args": {**args, "melArgs": dict(melody), "bassArgs": dict(melody),
                         "drumsArgs": {"pitchClasses": [list(map(int, p))
                                                for p in converter.drums.pitch_classes]}}}
    if family == "groove":
        return {"type": "GrooveConverter", "args": {**args, **_groove_args(converter)}}
    if family == "multiperf":
        return {"type": "MultitrackConverter", "args": {**args, **_multitrack_args(converter)}}
    raise _refuse(config, f"magenta.js has no converter for the {family} family")


def model_spec(config: ModelConfig) -> dict:
    """The `config.json` of a magenta.js MusicVAE (its MusicVAESpec)."""
    spec = {"type": "MusicVAE", "dataConverter": converter_spec(config),
            "useBooleanDecoder": False, "conditionOnKey": False}
    if _hits_controls(config):
        spec["extraControls"] = [{"name": HITS_CONTROL, "depth": int(config.control_depth)}]
    elif config.control_depth:
        spec["chordEncoder"] = "TriadChordEncoder"
    return spec


def weights_manifest(names_and_arrays: list[tuple[str, np.ndarray]],
                     shard_bytes: int = SHARD_BYTES) -> tuple[list[dict], list[bytes]]:
    """TensorFlow.js's weights manifest (one group) and its shard bodies: the float32 bytes of
    every array in order, cut every `shard_bytes` (tf.io.loadWeights joins them back)."""
    data = b"".join(np.ascontiguousarray(a, dtype="<f4").tobytes() for _, a in names_and_arrays)
    shards = [data[i:i + shard_bytes] for i in range(0, len(data), shard_bytes)] or [b""]
    paths = [f"group1-shard{i + 1}of{len(shards)}.bin" for i in range(len(shards))]
    weights = [{"name": name, "shape": [int(d) for d in np.shape(a)], "dtype": "float32"}
               for name, a in names_and_arrays]
    return [{"paths": paths, "weights": weights}], shards


def export_model(model, directory: str | Path) -> Path:
    """Write `model` (a built MusicVAE) to `directory` in magenta.js's format; NotForMagentaJs
    (before writing anything) when magenta.js cannot run its config."""
    spec = model_spec(model.config)
    variables = model.magenta_variables()
    names = sorted(variables)
    manifest, shards = weights_manifest([(n, variables[n].numpy()) for n in names])
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for path, body in zip(manifest[0]["paths"], shards):
        (directory / path).write_bytes(body)
    (directory / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1) + "\n")
    (directory / CONFIG_FILE).write_text(json.dumps(spec, indent=1) + "\n")
    return directory
