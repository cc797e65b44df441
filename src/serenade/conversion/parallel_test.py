import numpy as np
from note_seq import midi_io

from serenade.conversion import converter_for_config
from serenade.conversion.parallel import windows_for_files, windows_for_sequences

from testing.fixtures import magenta_fixture


def test_two_workers_give_what_one_gives_in_input_order(tmp_path):
    info = magenta_fixture("cat-mel_2bar_small")
    paths = [case["path"] for case in info["cases"]]
    broken = tmp_path / "broken.mid"
    broken.write_bytes(b"MThd not really")
    serial = windows_for_files(paths + [broken], info["config"], workers=1)
    pooled = windows_for_files(paths + [broken], info["config"], workers=2)
    assert [r.path for r in pooled] == [str(p) for p in paths + [broken]]
    for one, two in zip(serial, pooled):
        np.testing.assert_array_equal(one.windows, two.windows)
        assert (one.explanation, one.error) == (two.explanation, two.error)
    assert [len(r.windows) for r in pooled[:-1]] == [c["num_windows"] for c in info["cases"]]
    assert all(r.explanation for r in pooled[:-1] if not len(r.windows))
    assert "broken.mid" in pooled[-1].error and pooled[-1].windows.shape == (0, 32)


def test_sequences_in_parallel():
    info = magenta_fixture("hierdec-mel_16bar-tiny")
    sequences = [midi_io.midi_file_to_note_sequence(str(c["path"])) for c in info["cases"]]
    converter = converter_for_config(info["config"])
    results = windows_for_sequences(sequences, info["config"], workers=2)
    for sequence, found in zip(sequences, results):
        np.testing.assert_array_equal(found.windows, converter.to_windows(sequence))
