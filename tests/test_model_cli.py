"""`serenade encode/decode/sample/interpolate` end to end on magenta's fixture checkpoints."""

import subprocess
import sys

import numpy as np
from note_seq import midi_io

from serenade.cli import main
from serenade.conversion import converter_for_config

from testing.fixtures import magenta_fixture

SMALL = magenta_fixture("cat-mel_2bar_small")
CHECKPOINT = str(SMALL["folder"] / "checkpoint")
BUNDLE = str(SMALL["folder"] / SMALL["bundle"])
CASE_1 = str(SMALL["cases"][1]["path"])  # 15 windows
CASE_11 = str(SMALL["cases"][11]["path"])  # 48 windows, multi-track chorale
NO_WINDOWS = str(SMALL["cases"][0]["path"])  # 3/4: no 2-bar window


def notes_of(sequence):
    return sorted((round(n.start_time, 3), round(n.end_time, 3), n.pitch) for n in sequence.notes)


def test_encode_decode_round_trip(tmp_path):
    encoded = tmp_path / "enc.npz"
    assert main(["encode", "--config", "cat-mel_2bar_small", "--checkpoint", BUNDLE,
                 CASE_1, CASE_11, "--output", str(encoded)]) == 0
    with np.load(encoded) as data:
        assert data["mu"].shape == (2, 256) and data["sigma"].shape == (2, 256)
        windows = data["windows"]
    converter = converter_for_config("cat-mel_2bar_small")
    first = converter.to_windows(midi_io.midi_file_to_note_sequence(CASE_1))[0]
    np.testing.assert_array_equal(windows[0], first)
    # the fixture's greedy decode of its own mu, through the CLI
    expected = SMALL["folder"] / "expected.npz"
    with np.load(expected) as want:
        np.save(tmp_path / "z.npy", want["case1_mu"][None])
        greedy, greedy_logits = want["case1_greedy_from_mu"], want["case1_greedy_logits"]
    main(["decode", "--config", "cat-mel_2bar_small", "--checkpoint", CHECKPOINT, "--z",
          str(tmp_path / "z.npy"), "--temperature", "0", "--output", str(tmp_path / "dec.npz")])
    with np.load(tmp_path / "dec.npz") as decoded:
        np.testing.assert_array_equal(decoded["events"][0], greedy)
        assert np.abs(decoded["logits"][0] - greedy_logits).max() < 1e-3
    # to MIDI: the written file holds exactly the notes of the greedy events
    main(["decode", "--config", "cat-mel_2bar_small", "--checkpoint", CHECKPOINT, "--z",
          str(tmp_path / "z.npy"), "--temperature", "0", "--output", str(tmp_path / "midi")])
    (written,) = sorted((tmp_path / "midi").glob("*.mid"))
    assert notes_of(midi_io.midi_file_to_note_sequence(str(written))) == notes_of(
        converter.to_note_sequence(greedy))


def test_encode_npy_windows_and_error_for_a_file_without_windows(tmp_path, capsys):
    windows = np.load(SMALL["folder"] / "expected.npz")["case3_windows"][:4]
    np.save(tmp_path / "w.npy", windows)
    main(["encode", "--config", "cat-mel_2bar_small", "--checkpoint", CHECKPOINT,
          str(tmp_path / "w.npy"), "--output", str(tmp_path / "e.npz")])
    assert np.load(tmp_path / "e.npz")["mu"].shape == (4, 256)
    capsys.readouterr()
    code = main(["encode", "--config", "cat-mel_2bar_small", "--checkpoint", CHECKPOINT, NO_WINDOWS,
                 "--output", str(tmp_path / "x.npz")])
    err = capsys.readouterr().err
    assert code == 1 and NO_WINDOWS in err and "3/4" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "x.npz").exists()


def test_sample_writes_playable_midi(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "serenade.cli", "sample", "--config", "cat-mel_2bar_small",
         "--checkpoint_file", BUNDLE, "--num_outputs", "4", "--temperature", "0.5",
         "--output-dir", str(tmp_path), "--seed", "3"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    files = sorted(tmp_path.glob("cat-mel_2bar_small_sample_*-of-004.mid"))
    assert len(files) == 4
    for path in files:
        sequence = midi_io.midi_file_to_note_sequence(str(path))
        assert sequence.notes, path
        assert all(21 <= n.pitch <= 108 and n.velocity == 80 for n in sequence.notes)
        assert sequence.total_time <= 4.0 + 1e-6  # 2 bars at 120 qpm


def test_a_serenade_checkpoint_needs_no_config_and_can_sample_its_fitted_prior(tmp_path, capsys):
    from serenade.models import latent_prior as priors
    from serenade.models.checkpoint import load_model, save_model

    model = load_model(CHECKPOINT, "cat-mel_2bar_small")
    rng = np.random.default_rng(0)
    model.latent_prior = priors.fit(rng.standard_normal((64, model.z_size)),
                                    np.full((64, model.z_size), 0.5))
    save_model(model, tmp_path / "ours")
    for prior in ("standard", "fitted"):
        out = tmp_path / prior
        assert main(["sample", "--checkpoint", str(tmp_path / "ours"), "--num-outputs", "3",
                     "--output-dir", str(out), "--seed", "1", "--prior", prior]) == 0
        assert len(list(out.glob("cat-mel_2bar_small_sample_*.mid"))) == 3
    assert main(["sample", "--checkpoint", CHECKPOINT, "--output-dir", str(tmp_path / "m")]) == 1
    assert "a magenta checkpoint: give its --config" in capsys.readouterr().err


def test_fit_prior_gives_a_magenta_checkpoint_the_prior_of_your_pieces(tmp_path, capsys):
    from serenade.commands.quality import input_windows
    from serenade.models.checkpoint import load_model

    out = tmp_path / "with-prior"
    assert main(["fit-prior", "--config", "cat-mel_2bar_small", "--checkpoint", BUNDLE,
                 CASE_1, CASE_11, "--output", str(out)]) == 0
    assert "fitted the sampling prior to 63 windows" in capsys.readouterr().out
    model = load_model(out)
    windows, _, _ = input_windows([CASE_1, CASE_11], "cat-mel_2bar_small")
    _, mu, _ = model.encode(windows)
    assert model.latent_prior.windows == len(windows) == 63
    np.testing.assert_allclose(model.latent_prior.mean, mu.mean(axis=0), atol=1e-5)
    assert main(["sample", "--checkpoint", str(out), "--prior", "fitted", "--num-outputs", "2",
                 "--output-dir", str(tmp_path / "s"), "--seed", "0"]) == 0
    assert main(["fit-prior", "--config", "cat-mel_2bar_small", "--checkpoint", BUNDLE,
                 NO_WINDOWS, "--output", str(tmp_path / "none")]) == 1
    assert "none of the inputs yields a cat-mel_2bar_small window" in capsys.readouterr().err


def test_interpolate_between_fixture_files(tmp_path, capsys):
    from serenade.models.checkpoint import load_model
    from serenade.models.latent_paths import walk

    # input 2 is long and multi-track: its first window is taken, not refused
    main(["interpolate", "--config", "cat-mel_2bar_small", "--checkpoint", CHECKPOINT,
          "--input_midi_1", CASE_1, "--input-midi-2", CASE_11, "--num-outputs", "3",
          "--temperature", "0", "--output-dir", str(tmp_path)])
    files = sorted(tmp_path.glob("*_interpolate_*.mid"))
    assert len(files) == 3
    model = load_model(CHECKPOINT, "cat-mel_2bar_small")
    converter = model.config.converter
    ends = [converter.to_windows(midi_io.midi_file_to_note_sequence(p))[0] for p in (CASE_1, CASE_11)]
    for path, row in zip(files, walk(model, ends, 3, temperature=0.0).events):
        assert notes_of(midi_io.midi_file_to_note_sequence(str(path))) == notes_of(
            converter.to_note_sequence(row))
    capsys.readouterr()
    code = main(["interpolate", "--config", "cat-mel_2bar_small", "--checkpoint", CHECKPOINT,
                 "--input-midi-1", CASE_1, "--input-midi-2", CASE_11, "--window-2", "99",
                 "--output-dir", str(tmp_path / "none")])
    assert code == 1 and "window 99 asked for" in capsys.readouterr().err
    assert not (tmp_path / "none").exists()
