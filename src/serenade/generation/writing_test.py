import wave

import numpy as np

from serenade.generation.writing import RenderSettings, write_piece, write_strip
from serenade.conversion import converter_for_config
from serenade.melody import events as ev
from serenade.base.midi_parser import read_midi


def test_piece_files_have_tempo_and_instrument(tmp_path):
    converter = converter_for_config("cat-mel_2bar_small")
    rows = np.zeros((2, 32), np.int16)
    rows[0, 0], rows[0, 8], rows[1, 0] = ev.note_on(60), ev.note_on(64), ev.note_on(67)
    settings = RenderSettings(program=40, velocity=100, audio_backend="builtin")
    written = write_piece(rows, converter, tmp_path / "out" / "piece.mid", qpm=90.0,
                          settings=settings)
    assert [p.name for p in written.files()] == ["piece.mid", "piece.png", "piece.wav"]
    sequence = read_midi(written.midi)
    assert [n.pitch for n in sequence.notes] == [60, 64, 67]
    assert {n.program for n in sequence.notes} == {40}
    assert {n.velocity for n in sequence.notes} == {100}
    assert abs(sequence.tempos[0].qpm - 90.0) < 1e-3  # MIDI stores microseconds per quarter
    # 4 bars at 90 qpm = 10.67 s; the third note starts at bar 2
    assert abs(sequence.notes[2].start_time - 2 * 4 * 60 / 90) < 1e-3
    with wave.open(str(written.wav)) as handle:
        assert abs(handle.getnframes() / handle.getframerate() - 64 * 60 / 90 / 4) < 0.2
    silent = write_piece(rows[1], converter, tmp_path / "quiet.mid", qpm=120.0,
                         settings=RenderSettings(audio=False))
    assert silent.wav is None and not (tmp_path / "quiet.wav").exists()
    strip = write_strip(rows, converter, tmp_path / "strip.png", qpm=120.0, titles=["a", "b"])
    assert strip.stat().st_size > 1000
