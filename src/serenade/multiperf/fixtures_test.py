"""Parity with magenta's MultiInstrumentPerformanceConverter: fixtures made by
tools/oracle/record_multiperf_converter.py with magenta's own code (the four
hier-multiperf_vel_1bar configs; see tests/fixtures/magenta/README.md)."""

import json

import numpy as np
import pytest
from note_seq import midi_io
from note_seq.protobuf import music_pb2

from serenade.multiperf.configs import CONFIG_CONVERTERS, CONVERTERS
from serenade.paths import REPO_ROOT

FOLDER = REPO_ROOT / "tests" / "fixtures" / "magenta" / "multiperf"
CHORD_SYMBOL = music_pb2.NoteSequence.TextAnnotation.CHORD_SYMBOL
NAMES = {"plain": "multiperf_vel_1bar", "chords": "multiperf_vel_1bar_chords"}
INPUTS = json.loads((FOLDER / "fixture.json").read_text())["inputs"]
# chord inference at 24 steps per quarter takes seconds per file: these run without "slow"
QUICK_CHORDS = {"BlueStockingClog_0.mid", "bwv269.mid", "bwv66.6.mid", "edge_waltz",
                "edge_chords", "edge_nine"}


@pytest.fixture(scope="module")
def expected():
    with np.load(FOLDER / "expected.npz") as data:
        yield dict(data)


def info():
    return json.loads((FOLDER / "fixture.json").read_text())


def sequence(expected, k) -> music_pb2.NoteSequence:
    return music_pb2.NoteSequence.FromString(expected[f"input{k}"].tobytes())


def decoded(converter, sequences):
    notes, chords = [], []
    for w, seq in enumerate(sequences):
        notes += [[w, n.instrument, n.program, n.is_drum, n.pitch, n.velocity, n.start_time,
                   n.end_time] for n in seq.notes]
        chords += [[w, ta.time, converter.chord_encoding.encode_event(ta.text)]
                   for ta in seq.text_annotations if ta.annotation_type == CHORD_SYMBOL]
    return np.array(notes, float).reshape(-1, 8), np.array(chords, float).reshape(-1, 3)


def check(expected, kind, k):
    converter = CONVERTERS[NAMES[kind]]
    converted = converter.to_windows(sequence(expected, k))
    controls = None
    if kind == "chords":
        converted, controls = converted
        np.testing.assert_array_equal(controls, expected[f"chords{k}_controls"])
    np.testing.assert_array_equal(converted, expected[f"{kind}{k}_windows"])
    np.testing.assert_array_equal(converter.lengths(converted), expected[f"{kind}{k}_lengths"])
    notes, chords = decoded(converter, converter.from_windows(converted, controls))
    np.testing.assert_array_equal(notes, expected[f"{kind}{k}_notes"])
    if kind == "chords":
        np.testing.assert_array_equal(chords, expected[f"chords{k}_chords"])


def test_fixture_is_small_and_covers_the_four_configs():
    assert sum(p.stat().st_size for p in FOLDER.rglob("*") if p.is_file()) < 2_000_000
    kinds = info()["kinds"]
    assert set(kinds["plain"]["configs"] + kinds["chords"]["configs"]) == set(CONFIG_CONVERTERS)
    for kind, record in kinds.items():
        assert all(CONFIG_CONVERTERS[name] == NAMES[kind] for name in record["configs"])
        settings = record["settings"]
        converter = CONVERTERS[NAMES[kind]]
        for ours, theirs in [("num_velocity_bins", "_num_velocity_bins"),
                             ("hop_size_bars", "_hop_size_bars"),
                             ("chunk_size_bars", "_chunk_size_bars"),
                             ("steps_per_quarter", "_steps_per_quarter"),
                             ("steps_per_bar", "_steps_per_bar"),
                             ("min_num_instruments", "_min_num_instruments"),
                             ("max_num_instruments", "_max_num_instruments"),
                             ("min_total_events", "_min_total_events"),
                             ("max_events_per_instrument", "_max_events_per_instrument"),
                             ("min_pitch", "_min_pitch"), ("max_pitch", "_max_pitch"),
                             ("first_subsequence_only", "_first_subsequence_only"),
                             ("max_num_chunks", "_max_num_chunks"),
                             ("depth", "_output_depth"), ("end_token", "_end_token"),
                             ("control_depth", "_control_depth"),
                             ("max_tensors_per_notesequence", "_max_tensors_per_input")]:
            assert repr(getattr(converter, ours)) == settings[theirs], ours
        assert settings["_max_lengths"] == "[1, 8, 64]"
        assert settings["_length_shape"] == f"({converter.num_tracks},)"


def test_fixture_inputs_are_the_midi_files_as_read_here(expected):
    for k, case in enumerate(INPUTS):
        if "midi" in case:
            read = midi_io.midi_file_to_note_sequence(str(FOLDER / case["midi"]))
            assert read == sequence(expected, k), case["name"]


@pytest.mark.parametrize("k", range(len(INPUTS)), ids=[c["name"] for c in INPUTS])
def test_windows_and_decoding_equal_magenta(expected, k):
    check(expected, "plain", k)


@pytest.mark.parametrize("k", [k for k, c in enumerate(INPUTS) if c["name"] in QUICK_CHORDS],
                         ids=[c["name"] for c in INPUTS if c["name"] in QUICK_CHORDS])
def test_chord_windows_controls_and_decoding_equal_magenta(expected, k):
    check(expected, "chords", k)


@pytest.mark.slow
@pytest.mark.parametrize("k", [k for k, c in enumerate(INPUTS) if c["name"] not in QUICK_CHORDS],
                         ids=[c["name"] for c in INPUTS if c["name"] not in QUICK_CHORDS])
def test_chord_windows_with_inferred_chords_equal_magenta(expected, k):
    check(expected, "chords", k)


@pytest.mark.parametrize("kind", ["plain", "chords"])
def test_decoding_arbitrary_tokens_equals_magenta(expected, kind):
    """Stray program tokens, tracks without a program or an end token, random chords."""
    converter = CONVERTERS[NAMES[kind]]
    controls = expected["chords_random_controls"] if kind == "chords" else None
    notes, chords = decoded(converter, converter.from_windows(
        expected[f"{kind}_random_windows"], controls))
    np.testing.assert_array_equal(notes, expected[f"{kind}_random_notes"])
    if kind == "chords":
        np.testing.assert_array_equal(chords, expected["chords_random_chords"])


def test_windows_hold_several_instruments_drums_and_velocities(expected):
    """The fixture exercises what matters: drums, several programs, velocity bins, and files
    without windows."""
    converter = CONVERTERS["multiperf_vel_1bar"]
    windows = np.concatenate([expected[f"plain{k}_windows"] for k in range(len(INPUTS))])
    assert (windows == converter.program_token(0, True)).any()  # drums
    programs = {int(c) - converter.num_event_classes for c in np.unique(windows)
                if converter.num_event_classes <= c < converter.end_token}
    assert len(programs) >= 6
    velocities = {int(c) for c in np.unique(windows) if 352 <= c < 360}
    assert len(velocities) == 8
    assert sum(len(expected[f"plain{k}_windows"]) == 0 for k in range(len(INPUTS))) >= 4
