import numpy as np
import pytest
from note_seq import midi_io

from serenade.drums.classes import FULL, REDUCED
from serenade.drums.encoding import mask_of
from serenade.drums.rendering import window_to_magenta_sequence, windows_to_note_sequence
from serenade.melody.rendering import write_midi


def test_one_window_as_magenta_writes_it():
    window = np.zeros(32, dtype=np.int64)
    window[0] = mask_of([0, 2, 7])  # kick, closed hat, crash
    window[4] = mask_of([1])
    sequence = window_to_magenta_sequence(window, REDUCED)
    assert [(n.pitch, n.start_time, n.end_time) for n in sorted(
        sequence.notes, key=lambda n: (n.start_time, n.pitch))] == [
        (36, 0.0, 0.125), (42, 0.0, 0.125), (49, 0.0, 0.125), (38, 0.5, 0.625)]
    assert all(n.is_drum and n.velocity == 80 and n.instrument == 9 and n.program == 0
               for n in sequence.notes)
    assert [t.qpm for t in sequence.tempos] == [120.0] and not sequence.time_signatures
    assert sequence.ticks_per_quarter == 220 and sequence.total_time == 0.625


def test_windows_follow_one_another_and_write_to_midi(tmp_path):
    windows = np.zeros((2, 32), dtype=np.int64)
    windows[0, 0] = windows[1, 0] = mask_of([1])  # FULL class 1 = pitch 35
    sequence = windows_to_note_sequence(windows, FULL, qpm=60.0, velocity=100)
    assert [(n.pitch, n.start_time) for n in sequence.notes] == [(35, 0.0), (35, 8.0)]
    assert sequence.time_signatures[0].numerator == 4 and sequence.total_time == 8.25
    path = write_midi(sequence, tmp_path / "a" / "drums.mid")  # drum notes on channel 10
    back = midi_io.midi_file_to_note_sequence(str(path))
    assert [(n.pitch, n.is_drum, round(n.start_time, 3)) for n in back.notes] == [
        (35, True, 0.0), (35, True, 8.0)]


def test_rejects_bad_values():
    with pytest.raises(ValueError):
        window_to_magenta_sequence([1 << 9], REDUCED)
    with pytest.raises(ValueError):
        windows_to_note_sequence([1], REDUCED, velocity=0)
    with pytest.raises(ValueError):
        windows_to_note_sequence(np.zeros((1, 2, 3)), REDUCED)
