"""`serenade sample / encode / decode / interpolate` on the multi-instrument performance configs,
with the magenta-made checkpoints of tests/fixtures/magenta/multiperf_model (small sizes: the
`_tiny` configs' structure): the decodes come back through the converter as multi-instrument
NoteSequences with velocities."""

from __future__ import annotations

import numpy as np
import pytest

from serenade.cli import main

from testing.fixtures import PROJECT_MAGENTA_FIXTURES

pytestmark = pytest.mark.xdist_group("multiperf_cli")

MODELS = PROJECT_MAGENTA_FIXTURES / "multiperf_model"
CASES = PROJECT_MAGENTA_FIXTURES / "multiperf" / "cases"


def _pieces(folder):
    import note_seq

    files = sorted(folder.glob("*.mid"))
    assert files
    return [note_seq.midi_file_to_note_sequence(str(path)) for path in files]


@pytest.mark.slow
def test_sample_encode_decode_on_the_plain_config(tmp_path):
    checkpoint = str(MODELS / "hier-multiperf_vel_1bar_med-tiny" / "checkpoint")
    config = ["--config", "hier-multiperf_vel_1bar_tiny", "--checkpoint", checkpoint]
    assert main(["sample", *config, "--num-outputs", "3", "--temperature", "1.0", "--seed", "3",
                 "--output-dir", str(tmp_path / "samples")]) == 0
    samples = _pieces(tmp_path / "samples")
    assert len(samples) == 3
    assert any(len({n.instrument for n in s.notes}) > 1 for s in samples)
    assert len({n.velocity for s in samples for n in s.notes}) > 1
    assert main(["encode", *config, "--output", str(tmp_path / "z.npz"),
                 str(CASES / "bwv153.1.mid"), str(CASES / "bwv347.mid")]) == 0
    with np.load(tmp_path / "z.npz") as encoded:
        assert encoded["mu"].shape == (2, 8)
    assert main(["decode", *config, "--z", str(tmp_path / "z.npz"), "--use-mu",
                 "--temperature", "0", "--output", str(tmp_path / "decoded")]) == 0
    assert len(_pieces(tmp_path / "decoded")) == 2


@pytest.mark.slow
def test_interpolate_on_the_chord_config(tmp_path):
    checkpoint = str(MODELS / "hier-multiperf_vel_1bar_med_chords-tiny" / "checkpoint")
    assert main(["interpolate", "--config", "hier-multiperf_vel_1bar_chords_tiny",
                 "--checkpoint", checkpoint, "--input-midi-1", str(CASES / "bwv153.1.mid"),
                 "--input-midi-2", str(CASES / "bwv347.mid"), "--num-outputs", "3",
                 "--temperature", "0.5", "--seed", "1",
                 "--output-dir", str(tmp_path / "path")]) == 0
    steps = _pieces(tmp_path / "path")
    assert len(steps) == 3 and all(s.notes for s in steps)
