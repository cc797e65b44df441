"""`serenade sample/decode/interpolate/encode/quality` with the chord-conditioned config, on the
checkpoint magenta's own code trained (tests/fixtures/magenta/cat-mel_2bar_med_chords-tiny):
--chords progressions spread as magenta.js spreads them, the start piece's chords by default,
the chords written into the MIDI files as text."""

from __future__ import annotations

import json

import numpy as np
import pytest
from note_seq import midi_io

from serenade.cli import main
from serenade.conversion import converter_for_config

from testing.fixtures import PROJECT_MAGENTA_FIXTURES, npz_arrays
from testing.music_files import midi_text_events

CONFIG = "cat-mel_2bar_med_chords"
FOLDER = PROJECT_MAGENTA_FIXTURES / "cat-mel_2bar_med_chords-tiny"
CHECKPOINT = str(FOLDER / "checkpoint")
CONVERTER = converter_for_config(CONFIG)


@pytest.fixture(scope="module")
def expected():
    return npz_arrays(FOLDER / "expected.npz")


def texts(path):
    """(second, text) of every text event of a MIDI file (its tempo is 120 qpm)."""
    return [(beat / 2, text) for beat, text in midi_text_events(path)]


def notes_of(sequence):
    return sorted((round(n.start_time, 3), round(n.end_time, 3), n.pitch) for n in sequence.notes)


def test_sample_over_a_progression_writes_its_chords(tmp_path, capsys):
    out = tmp_path / "samples"
    assert main(["sample", "--config", CONFIG, "--checkpoint", CHECKPOINT, "--num-outputs", "3",
                 "--chords", "C G Am F", "--output-dir", str(out), "--seed", "1"]) == 0
    files = sorted(out.glob("*.mid"))
    assert len(files) == 3
    for path in files:  # four chords over two bars: one per half bar (1 s at 120 qpm)
        assert texts(path) == [(0.0, "C"), (1.0, "G"), (2.0, "Am"), (3.0, "F")]
    capsys.readouterr()
    assert main(["sample", "--config", CONFIG, "--checkpoint", CHECKPOINT,
                 "--output-dir", str(out)]) == 1
    assert "--chords is required" in capsys.readouterr().err
    assert main(["sample", "--config", CONFIG, "--checkpoint", CHECKPOINT, "--chords", "C Fsus4",
                 "--output-dir", str(out)]) == 1
    assert "Fsus4" in capsys.readouterr().err


def test_decode_with_a_progression_gives_magentas_greedy_decode(tmp_path, expected):
    # case 0's window 0 has Am, Bdim, Am, Dm for half a bar each
    assert expected["case0_controls"][0].tolist() == CONVERTER.progression(
        ["Am", "Bdim", "Am", "Dm"]).tolist()
    np.save(tmp_path / "z.npy", expected["case0_mu"][None])
    assert main(["decode", "--config", CONFIG, "--checkpoint", CHECKPOINT, "--z",
                 str(tmp_path / "z.npy"), "--temperature", "0", "--chords", "Am Bdim Am Dm",
                 "--output", str(tmp_path / "dec.npz")]) == 0
    with np.load(tmp_path / "dec.npz") as decoded:
        np.testing.assert_array_equal(decoded["events"][0], expected["case0_greedy_from_mu"])
        np.testing.assert_allclose(decoded["logits"][0], expected["case0_greedy_logits"],
                                   atol=1e-3)
        np.testing.assert_array_equal(decoded["chords"], expected["case0_controls"][0])


def _index_of(midi, events, chords):
    """Where magenta's window (events, chords) is among ours (magenta's come from a set)."""
    ours_events, ours_chords = CONVERTER.to_windows(midi_io.midi_file_to_note_sequence(midi))
    return next(i for i, (e, c) in enumerate(zip(ours_events, ours_chords))
                if np.array_equal(e, events) and np.array_equal(c, chords))


def test_interpolate_uses_the_start_windows_chords_as_magenta(tmp_path, expected):
    first, second = str(FOLDER / "cases" / "bwv244.44_0.mid"), str(FOLDER / "cases" / "chord_chart.mid")
    i = _index_of(first, expected["case2_windows"][0], expected["case2_controls"][0])
    j = _index_of(second, expected["case3_windows"][0], expected["case3_controls"][0])
    out = tmp_path / "interp"
    assert main(["interpolate", "--config", CONFIG, "--checkpoint", CHECKPOINT,
                 "--input-midi-1", first, "--window-1", str(i), "--input-midi-2", second,
                 "--window-2", str(j), "--temperature", "0", "--output-dir", str(out)]) == 0
    files = sorted(out.glob("*.mid"))
    assert len(files) == 5
    chords = CONVERTER.to_note_sequence(expected["case2_windows"][0],
                                        expected["case2_controls"][0]).text_annotations
    for path, events in zip(files, expected["interp_2_3_greedy"]):
        assert notes_of(midi_io.midi_file_to_note_sequence(str(path))) == notes_of(
            CONVERTER.to_note_sequence(events))
        assert texts(path) == [(pytest.approx(ta.time), ta.text) for ta in chords]


def test_encode_reads_each_windows_chords(tmp_path, expected):
    first = str(FOLDER / "cases" / "bwv244.44_0.mid")
    i = _index_of(first, expected["case2_windows"][0], expected["case2_controls"][0])
    assert main(["encode", "--config", CONFIG, "--checkpoint", CHECKPOINT, first, "--window",
                 str(i), "--output", str(tmp_path / "enc.npz")]) == 0
    with np.load(tmp_path / "enc.npz") as encoded:
        np.testing.assert_allclose(encoded["mu"][0], expected["case2_mu"], atol=1e-4)
        np.testing.assert_array_equal(encoded["chords"][0], expected["case2_controls"][0])


def test_extract_writes_each_windows_chords(tmp_path):
    midi = str(FOLDER / "cases" / "chord_chart.mid")
    assert main(["extract", "--config", CONFIG, midi, "--output", str(tmp_path / "x.npz"),
                 "--quiet"]) == 0
    events, chords = CONVERTER.to_windows(midi_io.midi_file_to_note_sequence(midi))
    with np.load(tmp_path / "x.npz") as found:
        np.testing.assert_array_equal(found["windows_0"], events)
        np.testing.assert_array_equal(found["chords_0"], chords)
    assert len(events) == 28


def test_quality_reconstructs_over_each_windows_chords_and_samples_over_a_progression(
        tmp_path, capsys):
    out = tmp_path / "quality.json"
    assert main(["quality", "--config", CONFIG, "--checkpoint", CHECKPOINT, str(FOLDER / "cases"),
                 "--samples", "16", "--chords", "Dm G C A", "--output", str(out)]) == 0
    figures = json.loads(out.read_text())
    assert 0.0 < figures["reference.chord_tones"] <= 1.0
    assert 0.0 <= figures["samples_t0.5.chord_tones"] <= 1.0
    assert "samples_t0.5.chord_tones" in capsys.readouterr().out
    assert main(["quality", "--config", CONFIG, "--checkpoint", CHECKPOINT, str(FOLDER / "cases"),
                 "--samples", "16", "--max-windows", "20", "--output", str(out)]) == 0
    assert json.loads(out.read_text())["reconstruction.windows"] == 20  # default progression
