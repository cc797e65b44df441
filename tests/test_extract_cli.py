"""`serenade extract` end to end on real MIDI files, through the installed entry point."""

import subprocess
import sys

import numpy as np

from testing.fixtures import expected_windows, magenta_fixture
from testing.music_files import scale_melody, write_midi_tracks


def extract(*args):
    return subprocess.run([sys.executable, "-m", "serenade.cli", "extract", *map(str, args)],
                          capture_output=True, text=True, timeout=300)


def test_fixture_files_give_magentas_windows(tmp_path):
    info = magenta_fixture("cat-mel_2bar_small")
    paths = [case["path"] for case in info["cases"]]
    out = tmp_path / "windows.npz"
    done = extract("--config", info["config"], "--hparams", "batch_size=8", *paths,
                   "--output", out)
    assert done.returncode == 0, done.stderr
    with np.load(out) as saved:
        assert list(saved["inputs"]) == [str(p) for p in paths]
        for index, case in enumerate(info["cases"]):
            windows = saved[f"windows_{index}"]
            assert windows.shape == (case["num_windows"], 32)
            assert {tuple(r) for r in windows.tolist()} == {
                tuple(r) for r in expected_windows(info["folder"].name, index, 32).tolist()}
    for case in info["cases"]:
        if not case["num_windows"]:
            assert f"{case['path']}: no windows: time signature" in done.stderr


def test_multi_track_file_names_silent_tracks(tmp_path):
    song = write_midi_tracks(tmp_path / "song.mid", [
        {"name": "Lead", "notes": scale_melody(3)},
        {"name": "Kit", "is_drum": True, "notes": [(36, i * 0.5, i * 0.5 + 0.1) for i in range(12)]},
        {"name": "Pad", "program": 89, "notes": scale_melody(3, first_pitch=48)},
    ])
    out = tmp_path / "out" / "song.npz"
    done = extract("--config", "cat-mel_2bar_tiny", song, "--output", out)
    assert done.returncode == 0, done.stderr
    with np.load(out) as saved:
        assert saved["windows_0"].shape == (2, 32)
    assert "track 1 'Kit' (drums): drum track" in done.stderr
    assert "track 2 'Pad' (program 89): program 89 is outside 0..31" in done.stderr

    long = extract("--config", "hierdec-mel_16bar", song, "--output", tmp_path / "long.npz")
    assert long.returncode == 0
    with np.load(tmp_path / "long.npz") as saved:
        assert saved["windows_0"].shape == (0, 256)
    assert f"{song}: no windows:" in long.stderr and "too short" in long.stderr


def test_bad_inputs_are_named(tmp_path):
    broken = tmp_path / "broken.mid"
    broken.write_bytes(b"not midi at all")
    done = extract("--config", "cat-mel_2bar_small", broken, "--output", tmp_path / "x.npz")
    assert done.returncode == 1 and "broken.mid" in done.stderr
    assert not (tmp_path / "x.npz").exists()
    unknown = extract("--config", "mel_2bar", broken, "--output", tmp_path / "x.npz")
    assert unknown.returncode == 2 and "known configs" in unknown.stderr


def test_malformed_hparams_are_refused(tmp_path):
    info = magenta_fixture("cat-mel_2bar_small")
    done = extract("--config", info["config"], "--hparams", "no_such_hparam=3",
                   info["cases"][1]["path"], "--output", tmp_path / "x.npz")
    assert done.returncode == 2 and "--hparams" in done.stderr


def test_drum_config_says_why_files_and_tracks_give_no_drum_windows(tmp_path):
    from testing.fixtures import DRUM_FIXTURES

    rock, waltz = DRUM_FIXTURES / "cases" / "0_rock.mid", DRUM_FIXTURES / "cases" / "5_waltz_3_4.mid"
    tune = write_midi_tracks(tmp_path / "tune.mid", [{"name": "Lead", "notes": scale_melody(3)}])
    ghost = write_midi_tracks(tmp_path / "ghost.mid", [
        {"name": "Lead", "notes": scale_melody(3)},
        {"name": "Bells", "is_drum": True, "notes": [(90, i * 0.5, i * 0.5 + 0.1) for i in range(8)]},
    ])
    out = tmp_path / "drums.npz"
    done = extract("--config", "cat-drums_2bar_small", rock, waltz, tune, ghost, "--output", out)
    assert done.returncode == 0, done.stderr
    with np.load(out) as saved:
        assert saved["windows_0"].shape == (5, 32) and saved["windows_0"].max() < 512
        assert saved["windows_1"].shape == (0, 32)
    assert f"{rock}: 5 windows" in done.stdout
    assert f"{rock}: track 1 'bass' (program 33): not drums" in done.stderr
    assert f"{waltz}: no windows: the sequence: time signature 3/4 gives 12-step bars" in done.stderr
    assert f"{tune}: no windows: no drum notes" in done.stderr
    assert f"{ghost}: no windows:" in done.stderr
    assert f"{ghost}: track 1 'Bells' (drums): no drum hit with velocity > 0 and a pitch in the " \
           "reduced drum map" in done.stderr
    assert f"{ghost}: track 0 'Lead' (program 0): not drums" in done.stderr
