"""Helpers shared by tests: fixture loading, writing MIDI files."""

from __future__ import annotations

import contextlib
import http.server
import json
import random
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import mido
import numpy as np

from serenade.paths import MAGENTA_FIXTURES, REPO_ROOT

# -- melody converter helpers ----------------------------------------------------------

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


def midi_text_events(path) -> list[tuple[float, str]]:
    """(beat, text) of every text event in a MIDI file's first track (chord symbols)."""
    midi = mido.MidiFile(str(path))
    found, tick = [], 0
    for message in midi.tracks[0]:
        tick += message.time
        if message.type == "text":
            found.append((tick / midi.ticks_per_beat, message.text))
    return found


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


def write_midi_tracks(path, tracks, *, qpm: float = 120.0, time_signature=(4, 4),
                      time_signature_changes=()):
    """Write a multi-track MIDI file and return its path.

    `tracks`: dicts with `notes` [(pitch, start_s, end_s) or (pitch, start_s, end_s, velocity)]
    and optional `program` (0), `is_drum` (False), `name` ('').
    `time_signature_changes`: [(time_s, numerator, denominator)] after the first one.
    """
    import pretty_midi

    midi = pretty_midi.PrettyMIDI(resolution=220, initial_tempo=qpm)
    numerator, denominator = time_signature
    midi.time_signature_changes.append(pretty_midi.TimeSignature(numerator, denominator, 0.0))
    for time, numerator, denominator in time_signature_changes:
        midi.time_signature_changes.append(pretty_midi.TimeSignature(numerator, denominator, time))
    for track in tracks:
        instrument = pretty_midi.Instrument(program=track.get("program", 0),
                                            is_drum=track.get("is_drum", False),
                                            name=track.get("name", ""))
        for note in track["notes"]:
            pitch, start, end = note[:3]
            velocity = note[3] if len(note) > 3 else 90
            instrument.notes.append(pretty_midi.Note(velocity, pitch, start, end))
        midi.instruments.append(instrument)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    midi.write(str(path))
    return path


def scale_melody(bars: int, *, first_pitch: int = 60, qpm: float = 120.0, start_bar: int = 0):
    """Notes [(pitch, start_s, end_s)] of eighth notes climbing by semitones for `bars` 4/4 bars."""
    eighth = 30.0 / qpm
    offset = start_bar * 8 * eighth
    return [(first_pitch + (i % 12), offset + i * eighth, offset + (i + 1) * eighth)
            for i in range(bars * 8)]


# -- training helpers ------------------------------------------------------------------

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


def write_note_sequence_tfrecord(path, sequences) -> "object":
    """Write NoteSequences to a TFRecord file (what the data workflow produces); returns the path."""
    import tensorflow as tf

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tf.io.TFRecordWriter(str(path)) as writer:
        for sequence in sequences:
            writer.write(sequence.SerializeToString())
    return path


# -- data helpers ----------------------------------------------------------------------

def write_raw_midi(path, notes=(), *, ticks_per_beat: int = 480, tempos=((0, 120.0),),
                   time_signatures=((0, 4, 4),), program: int = 0, channel: int = 0,
                   track_name: str = "", extra_tracks=()):
    """Write a type-1 MIDI file with mido, byte by byte under the caller's control.

    `notes`: [(pitch, start_tick, end_tick)] or with velocity and channel appended.
    `tempos`: [(tick, qpm)]; `time_signatures`: [(tick, numerator, denominator)] on track 0.
    `extra_tracks`: more note lists, one track each (channel 1, 2, ...).
    Returns the path.
    """
    def absolute_to_delta(events):
        events = sorted(events, key=lambda item: item[0])
        track, last = mido.MidiTrack(), 0
        for tick, message in events:
            track.append(message.copy(time=tick - last))
            last = tick
        return track

    conductor = []
    for tick, qpm in tempos:
        conductor.append((tick, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(qpm))))
    for tick, numerator, denominator in time_signatures:
        conductor.append((tick, mido.MetaMessage("time_signature", numerator=numerator,
                                                  denominator=denominator)))
    midi = mido.MidiFile(type=1, ticks_per_beat=ticks_per_beat)
    midi.tracks.append(absolute_to_delta(conductor))
    for index, note_list in enumerate([list(notes), *map(list, extra_tracks)]):
        events = []
        default_channel = channel if index == 0 else (index % 16 if index % 16 != 9 else 10)
        if track_name and index == 0:
            events.append((0, mido.MetaMessage("track_name", name=track_name)))
        events.append((0, mido.Message("program_change", program=program, channel=default_channel)))
        for note in note_list:
            pitch, start, end = note[:3]
            velocity = note[3] if len(note) > 3 else 80
            note_channel = note[4] if len(note) > 4 else default_channel
            events.append((start, mido.Message("note_on", note=pitch, velocity=velocity, channel=note_channel)))
            events.append((end, mido.Message("note_off", note=pitch, velocity=0, channel=note_channel)))
        midi.tracks.append(absolute_to_delta(events))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    midi.save(str(path))
    return path


def simple_tune(bars: int = 4, *, ticks_per_beat: int = 480, beats_per_bar: int = 4,
                first_pitch: int = 60, step: int = 2):
    """Notes [(pitch, start_tick, end_tick)]: one eighth note after another, pitches wandering."""
    eighth = ticks_per_beat // 2
    count = bars * beats_per_bar * 2
    return [(first_pitch + (i * step) % 12, i * eighth, (i + 1) * eighth) for i in range(count)]


# Edge-case files: name -> (expected status, a word the reason must contain).
EDGE_CASES = {
    "tune.mid": ("ok", ""),
    "zero_notes.mid": ("invalid", "no notes"),
    "drums_only.mid": ("ok", ""),
    "waltz 3-4.mid": ("ok", ""),
    "tempo_change.mid": ("ok", ""),
    "random_bytes.mid": ("invalid", "not a MIDI file"),
    "zero_length.mid": ("invalid", "empty"),
    "truncated.mid": ("invalid", "cannot parse"),
    "Café à l'aube ünïcode.MID": ("ok", ""),
}


def write_edge_case_midis(folder) -> dict:
    """Write the EDGE_CASES files into `folder`; returns {name: path}."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {name: folder / name for name in EDGE_CASES}
    write_raw_midi(paths["tune.mid"], simple_tune(4), track_name="Melody")
    write_raw_midi(paths["zero_notes.mid"], [])
    drums = [(36 + (i % 3) * 2, i * 240, i * 240 + 120, 100, 9) for i in range(32)]
    write_raw_midi(paths["drums_only.mid"], drums, channel=9)
    write_raw_midi(paths["waltz 3-4.mid"], simple_tune(4, beats_per_bar=3), time_signatures=((0, 3, 4),))
    write_raw_midi(paths["tempo_change.mid"], simple_tune(8, first_pitch=55),
                   tempos=((0, 100.0), (3840, 140.0), (7000, 90.5)),
                   extra_tracks=[simple_tune(8, first_pitch=48, step=5)])
    paths["random_bytes.mid"].write_bytes(random.Random(7).randbytes(3000))
    paths["zero_length.mid"].write_bytes(b"")
    good = paths["tune.mid"].read_bytes()
    paths["truncated.mid"].write_bytes(good[: len(good) // 2])
    write_raw_midi(paths["Café à l'aube ünïcode.MID"], simple_tune(3, first_pitch=64), program=40)
    return paths


# -- generation helpers ----------------------------------------------------------------

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


def run_snakemake(*args: str, cwd=REPO_ROOT, check: bool = True, timeout: float = 900):
    """Run the project's snakemake (the venv's, beside this Python); with `check`, a failure
    is an AssertionError carrying the ends of its stdout and stderr."""
    command = [str(Path(sys.executable).with_name("snakemake")), *args]
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{result.stdout[-4000:]}\n"
                             f"{result.stderr[-6000:]}")
    return result


@contextlib.contextmanager
def serve_bytes(bodies: dict[str, bytes], redirect_loops=()) -> Iterator[str]:
    """A loopback HTTP server: each path of `bodies` answers its bytes, each path of
    `redirect_loops` redirects to itself, anything else is 404; yields the base URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            if self.path in redirect_loops:
                self.send_response(302)
                self.send_header("Location", self.path)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self.path not in bodies:
                self.send_error(404)
                return
            body = bodies[self.path]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
