"""The recorded magenta fixtures: their folders, cases and arrays, their models and NoteSequences.

The shared fixtures (shared/fixtures/magenta) and those recorded in this repository
(tests/fixtures/magenta, made by tools/oracle/) are what the parity tests compare against.
"""

from __future__ import annotations

import json

import numpy as np

from serenade.paths import MAGENTA_FIXTURES, REPO_ROOT

MAGENTA_FIXTURE_NAMES = ("cat-mel_2bar_small", "hierdec-mel_16bar-tiny")


def magenta_fixture(name: str) -> dict:
    """fixture.json of a magenta fixture folder, with absolute `path`s added to each case."""
    folder = MAGENTA_FIXTURES / name
    if not folder.is_dir():
        raise FileNotFoundError(f"magenta fixture {name!r} not found at {folder}")
    info = json.loads((folder / "fixture.json").read_text())
    info["folder"] = folder
    for case in info["cases"]:
        case["path"] = folder / case["midi"]
    return info


# Fixtures recorded in this repository (tools/oracle/), beside the shared ones.
PROJECT_MAGENTA_FIXTURES = REPO_ROOT / "tests" / "fixtures" / "magenta"
DRUM_FIXTURES = PROJECT_MAGENTA_FIXTURES / "drums"


def drum_fixture_inputs() -> list:
    """(name, NoteSequence) of every input of the drum converter fixture, in its order."""
    from note_seq import midi_io
    from note_seq.protobuf import music_pb2

    info = json.loads((DRUM_FIXTURES / "fixture.json").read_text())
    with np.load(DRUM_FIXTURES / "edge_cases.npz") as edges:
        edge = {name: edges[name].tobytes() for name in edges.files}
    inputs = []
    for name in info["inputs"]:
        if name in edge:
            inputs.append((name, music_pb2.NoteSequence.FromString(edge[name])))
        else:
            inputs.append((name, midi_io.midi_file_to_note_sequence(
                str(DRUM_FIXTURES / "cases" / name))))
    return inputs


def npz_arrays(path) -> dict:
    """Every array of an .npz file, read into memory (the file is closed)."""
    with np.load(path) as arrays:
        return {name: arrays[name] for name in arrays.files}


def drum_fixture_arrays(config: str) -> dict:
    """The arrays magenta's DrumsConverter gave for `config` (see tools/oracle/)."""
    return npz_arrays(DRUM_FIXTURES / f"{config}.npz")


def expected_windows(name: str, case_index: int, window_steps: int):
    """Windows magenta extracted for one case (an empty [0, steps] array when none)."""
    with np.load(MAGENTA_FIXTURES / name / "expected.npz") as expected:
        key = f"case{case_index}_windows"
        if key in expected.files:
            return expected[key]
    return np.zeros((0, window_steps), dtype=np.int16)


def fixture_note_sequences(name: str = "cat-mel_2bar_small") -> list:
    """NoteSequences of a magenta fixture's case MIDI files (real MIDI, sorted by file name)."""
    import note_seq

    paths = sorted((MAGENTA_FIXTURES / name / "cases").glob("*.mid"))
    return [note_seq.midi_file_to_note_sequence(str(path)) for path in paths]


def chord_fixture_note_sequences() -> list:
    """NoteSequences of the chord converter fixture's MIDI files (sorted by file name), each
    as it is (chords inferred) and, when `chords.json` lists symbols for it, again with them
    as CHORD_SYMBOL annotations (the fixture's cases; note-seq's MIDI reader drops text)."""
    import note_seq

    folder = PROJECT_MAGENTA_FIXTURES / "chords" / "cases"
    symbols = json.loads((folder / "chords.json").read_text())
    chord_symbol = note_seq.NoteSequence.TextAnnotation.CHORD_SYMBOL
    sequences = []
    for path in sorted(folder.glob("*.mid")):
        sequences.append(note_seq.midi_file_to_note_sequence(str(path)))
        if path.name in symbols:
            annotated = note_seq.midi_file_to_note_sequence(str(path))
            for time, text in symbols[path.name]:
                annotated.text_annotations.add(time=time, text=text, annotation_type=chord_symbol)
            sequences.append(annotated)
    return sequences


FIXTURE_CHECKPOINT_2BAR = "cat-mel_2bar_small"


def fixture_checkpoint(name: str = FIXTURE_CHECKPOINT_2BAR):
    """Path of a magenta fixture's checkpoint folder (shared/fixtures/magenta/NAME/checkpoint)."""
    return MAGENTA_FIXTURES / name / "checkpoint"


_FIXTURE_MODELS: dict = {}


def fixture_model(name: str = FIXTURE_CHECKPOINT_2BAR):
    """The MusicVAE of a magenta fixture, loaded once per process (tests only read it)."""
    if name not in _FIXTURE_MODELS:
        from serenade.models.checkpoint import load_model

        info = magenta_fixture(name)
        config = info["config"] if name == FIXTURE_CHECKPOINT_2BAR else "hierdec-mel_16bar"
        _FIXTURE_MODELS[name] = load_model(info["folder"] / "checkpoint", config,
                                           info["hparam_arch"])
    return _FIXTURE_MODELS[name]
