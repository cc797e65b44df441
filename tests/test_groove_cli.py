"""`serenade encode/decode/sample/interpolate` with GrooVAE configs (float windows), on magenta's
tiny GrooVAE checkpoints (tests/fixtures/magenta/groove_model); the other commands refuse
GrooVAE configs by name."""

from __future__ import annotations

from pathlib import Path

import note_seq
import numpy as np
import pytest

from serenade.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "magenta"
HUMANIZE = FIXTURES / "groove_model" / "groovae_2bar_humanize"
HITS = FIXTURES / "groove_model" / "groovae_2bar_hits_control_tfds"
CASES = FIXTURES / "groove" / "cases"
FUNK, ROCK, JAZZ, WALTZ = (str(CASES / name) for name in (
    "0_funk_97.mid", "1_rock_fill_120.mid", "2_shuffle_jazz_140.mid", "4_waltz_3_4.mid"))
TINY = ["--config", "groovae_2bar_tiny", "--checkpoint", str(HUMANIZE / "checkpoint")]
TINY_HITS = ["--config", "groovae_2bar_hits_control_tiny", "--checkpoint",
             str(HITS / f"{HITS.name}.tar")]


def _run(argv: list[str], capsys) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exit_info:  # argparse: a usage error
        code = exit_info.code
    return code, capsys.readouterr().err


def _refused(code, err: str, words: str) -> None:
    assert code not in (0, None), err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert words in err, err


def test_encode_then_decode_mu_gives_magentas_decodes(tmp_path, capsys):
    code, err = _run(["encode", *TINY, FUNK, ROCK, "--output", str(tmp_path / "enc.npz"),
                      "--seed", "1"], capsys)
    assert code == 0, err
    expected = np.load(HUMANIZE / "expected.npz")
    with np.load(tmp_path / "enc.npz") as encoded:
        assert encoded["inputs"].shape == encoded["outputs"].shape == (2, 32, 27)
        np.testing.assert_allclose(encoded["mu"], np.stack([expected["case0_mu"],
                                                            expected["case1_mu"]]), atol=1e-4)
    code, err = _run(["decode", *TINY, "--z", str(tmp_path / "enc.npz"), "--use-mu",
                      "--temperature", "0", "--output", str(tmp_path / "dec.npz")], capsys)
    assert code == 0, err
    with np.load(tmp_path / "dec.npz") as decoded:
        for row, case in enumerate(("case0", "case1")):
            np.testing.assert_array_equal(decoded["samples"][row, :, :9],
                                          expected[f"{case}_samples"][:, :9])
            np.testing.assert_allclose(decoded["samples"][row], expected[f"{case}_samples"],
                                       atol=1e-3)
    code, err = _run(["decode", *TINY, "--z", str(tmp_path / "enc.npz"), "--temperature", "0",
                      "--output", str(tmp_path / "midi")], capsys)
    assert code == 0, err
    written = sorted((tmp_path / "midi").glob("*.mid"))
    assert len(written) == 2
    sequence = note_seq.midi_file_to_note_sequence(str(written[0]))
    assert sequence.notes and all(note.is_drum for note in sequence.notes)
    assert len({note.velocity for note in sequence.notes}) > 1  # velocities are the decoder's


def test_sample_and_interpolate_write_midi(tmp_path, capsys):
    code, err = _run(["sample", *TINY, "--num-outputs", "2", "--output-dir",
                      str(tmp_path / "sample"), "--seed", "3"], capsys)
    assert code == 0, err
    assert len(list((tmp_path / "sample").glob("*.mid"))) == 2
    code, err = _run(["interpolate", *TINY, "--input-midi-1", FUNK, "--input-midi-2", JAZZ,
                      "--num-outputs", "3", "--temperature", "0", "--output-dir",
                      str(tmp_path / "interp")], capsys)
    assert code == 0, err
    assert len(list((tmp_path / "interp").glob("*.mid"))) == 3


def test_hits_as_controls(tmp_path, capsys):
    code, err = _run(["encode", *TINY_HITS, FUNK, "--output", str(tmp_path / "enc.npz")], capsys)
    assert code == 0, err
    with np.load(tmp_path / "enc.npz") as encoded:
        np.testing.assert_array_equal(encoded["controls"][0], encoded["outputs"][0, :, :9])
    code, err = _run(["decode", *TINY_HITS, "--z", str(tmp_path / "enc.npz"), "--use-mu",
                      "--temperature", "0", "--output", str(tmp_path / "dec.npz")], capsys)
    assert code == 0, err
    expected = np.load(HITS / "expected.npz")
    with np.load(tmp_path / "dec.npz") as decoded:
        np.testing.assert_array_equal(decoded["samples"][0, :, :9], expected["case0_samples"][:, :9])
    code, err = _run(["sample", *TINY_HITS, "--output-dir", str(tmp_path / "s")], capsys)
    _refused(code, err, "give --controls-midi")
    code, err = _run(["sample", *TINY_HITS, "--num-outputs", "1", "--controls-midi", ROCK,
                      "--output-dir", str(tmp_path / "s")], capsys)
    assert code == 0, err


@pytest.mark.parametrize("argv, words", [
    (["encode", *TINY, WALTZ, "--output", "OUT/x.npz"], "no groovae_2bar_tiny window in this file"),
    (["encode", *TINY, FUNK, "--window", "9", "--output", "OUT/x.npz"], "window 9 asked for"),
    (["sample", *TINY, "--controls-midi", FUNK, "--output-dir", "OUT/s"], "takes no controls"),
    (["sample", *TINY, "--chords", "C G", "--output-dir", "OUT/s"], "not chord-conditioned"),
    (["train", "--config", "groovae_2bar_tiny", "--train-data", FUNK, "--output", "OUT/t",
      "--steps", "2", "--checkpoint-root", "OUT/c", "--results-dir", "OUT", "--transpose=-2,2"],
     "GrooVAE configs have no transposition"),
    (["journey", "--config", "groovae_4bar"], "is a GrooVAE config"),
])
def test_refusals_name_the_problem(argv, words, tmp_path, capsys):
    argv = [arg.replace("OUT", str(tmp_path)) for arg in argv]
    code, err = _run(argv, capsys)
    _refused(code, err, words)
