"""Melody extraction, checked against note-seq's own Melody on real and random data."""

import numpy as np
import pytest
from note_seq import melodies_lib, midi_io, sequences_lib
from note_seq.protobuf import music_pb2

from serenade.melody.events import RAW_NO_EVENT as H, RAW_NOTE_OFF as X
from serenade.melody.extraction import extract_track_melodies
from serenade.melody.pieces import QuantizedNote

from testing.fixtures import MAGENTA_FIXTURE_NAMES, magenta_fixture

BAR = 16


def reference_melodies(quantized, instrument, max_steps=1600):
    """magenta's search loop over note-seq's Melody.from_quantized_sequence (MusicVAE settings)."""
    found, search = [], 0
    while True:
        melody = melodies_lib.Melody()
        melody.from_quantized_sequence(quantized, search_start_step=search, instrument=instrument,
                                       gap_bars=1, ignore_polyphonic_notes=True, pad_end=True)
        search = melody.end_step + (-melody.end_step) % BAR
        if not melody:
            return found
        if len(melody) < BAR:
            continue
        if len(melody) > max_steps:
            melody.set_length(max_steps - max_steps % BAR)
        found.append((melody.start_step, list(melody)))


def ours(quantized, instrument, max_steps=1600):
    notes = [QuantizedNote(n.instrument, n.program, n.is_drum, n.pitch, n.velocity,
                           n.quantized_start_step, n.quantized_end_step)
             for n in quantized.notes if n.instrument == instrument]
    result = extract_track_melodies(notes, BAR, gap_bars=1, max_steps=max_steps)
    return [(m.start_step, m.events) for m in result.melodies]


def quantized_from(notes):
    """notes: (instrument, pitch, start_step, end_step[, velocity[, is_drum]]) at 120 qpm."""
    sequence = music_pb2.NoteSequence()
    sequence.tempos.add(qpm=120)
    for instrument, pitch, start, end, *rest in notes:
        velocity = rest[0] if rest else 80
        is_drum = rest[1] if len(rest) > 1 else False
        sequence.notes.add(instrument=instrument, pitch=pitch, velocity=velocity, is_drum=is_drum,
                           start_time=start * 0.125, end_time=end * 0.125)
    sequence.total_time = max((n.end_time for n in sequence.notes), default=0)
    return sequences_lib.quantize_note_sequence(sequence, 4)


@pytest.mark.parametrize("fixture", MAGENTA_FIXTURE_NAMES)
def test_same_melodies_as_note_seq_on_fixture_midi(fixture):
    compared = 0
    for case in magenta_fixture(fixture)["cases"]:
        sequence = midi_io.midi_file_to_note_sequence(str(case["path"]))
        for piece in sequences_lib.split_note_sequence_on_time_changes(sequence):
            quantized = sequences_lib.quantize_note_sequence(piece, 4)
            if sequences_lib.steps_per_bar_in_quantized_sequence(quantized) != BAR:
                continue
            for instrument in {n.instrument for n in quantized.notes}:
                assert ours(quantized, instrument) == reference_melodies(quantized, instrument)
                compared += 1
    assert compared >= 5


def test_same_melodies_as_note_seq_on_random_polyphonic_tracks():
    rng = np.random.default_rng(7)
    for _ in range(150):
        notes = []
        time = int(rng.integers(0, 40))
        for _ in range(int(rng.integers(1, 60))):
            time += int(rng.choice([0, 0, 1, 2, 3, 4, 8, 17, 20, 40]))
            length = int(rng.choice([1, 1, 2, 4, 8, 30]))
            notes.append((0, int(rng.integers(40, 90)), time, time + length,
                          int(rng.choice([80, 80, 80, 0])), bool(rng.random() < 0.05)))
        quantized = quantized_from(notes)
        max_steps = int(rng.choice([1600, 48]))
        assert ours(quantized, 0, max_steps) == reference_melodies(quantized, 0, max_steps)


def test_highest_note_wins_when_notes_start_together():
    quantized = quantized_from([(0, 60, 0, 4), (0, 67, 0, 2), (0, 64, 0, 4)])
    [(start, events)] = ours(quantized, 0)
    assert start == 0
    assert events[:3] == [67, H, X]


def test_leading_empty_bars_are_dropped_and_melody_padded_to_bar():
    quantized = quantized_from([(0, 60, 2 * BAR + 3, 2 * BAR + 5)])
    [(start, events)] = ours(quantized, 0)
    assert start == 2 * BAR
    assert events == [H, H, H, 60, H, X] + [H] * (BAR - 6)


def test_a_bar_of_silence_ends_the_melody():
    # note-off at step 4; a note at 4 + 15 continues, one at 4 + 16 starts a new melody
    continuing = ours(quantized_from([(0, 60, 0, 4), (0, 62, 19, 20)]), 0)
    assert len(continuing) == 1
    split = ours(quantized_from([(0, 60, 0, 4), (0, 62, 20, 21)]), 0)
    assert [start for start, _ in split] == [0, BAR]


def test_drums_and_silent_notes_are_skipped():
    result = extract_track_melodies(
        [QuantizedNote(0, 0, True, 36, 90, 0, 2), QuantizedNote(0, 0, True, 38, 90, 4, 6)], BAR)
    assert result.melodies == [] and result.skipped_drums == 2
    silent = extract_track_melodies([QuantizedNote(0, 0, False, 60, 0, 0, 2)], BAR)
    assert silent.melodies == [] and silent.skipped_silent == 1


def test_long_melodies_are_truncated_to_max_steps():
    notes = [QuantizedNote(0, 0, False, 60 + i % 5, 80, 2 * i, 2 * i + 1) for i in range(8 * 120)]
    result = extract_track_melodies(notes, BAR, max_steps=100 * BAR)
    assert [len(m.events) for m in result.melodies] == [100 * BAR]
    assert result.truncated == 1
