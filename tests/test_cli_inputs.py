"""What the model commands read besides flags: .npy windows of every family as `serenade
extract` writes them, z without NaN or inf, no pickled arrays (named by file), a capped number
of outputs, and training hparams checked against this machine's memory before anything runs."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from serenade.cli import main
from serenade.commands.options import MAX_OUTPUTS

from testing.fixtures import PROJECT_MAGENTA_FIXTURES, magenta_fixture

SMALL = magenta_fixture("cat-mel_2bar_small")
CHECKPOINT = str(SMALL["folder"] / "checkpoint")


def _run(argv: list[str], capsys) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exit_info:  # argparse: a usage error
        code = exit_info.code
    return code, capsys.readouterr().err


def _one_line(code: int, err: str, names: str) -> None:
    assert code not in (0, None), err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert names in err, err


# (fixture folder, config, extra flags) of each family's tiny or shared checkpoint
FAMILIES = {
    "melody": (SMALL["folder"], "cat-mel_2bar_small", []),
    "drums": (PROJECT_MAGENTA_FIXTURES / "cat-drums_2bar_small-tiny", "cat-drums_2bar_small", []),
    "trio": (PROJECT_MAGENTA_FIXTURES / "hierdec-trio_16bar-tiny", "hierdec-trio_16bar", []),
    "chords": (PROJECT_MAGENTA_FIXTURES / "cat-mel_2bar_med_chords-tiny",
               "cat-mel_2bar_med_chords", ["--chords", "C G Am F"]),
}


@pytest.mark.parametrize("family", FAMILIES)
def test_encode_takes_the_windows_extract_writes(family, tmp_path, capsys):
    folder, config, extra = FAMILIES[family]
    midis = sorted(str(p) for p in (folder / "cases").glob("*.mid"))
    extracted = tmp_path / "windows.npz"
    assert main(["extract", "--config", config, *midis, "--output", str(extracted), "-q"]) == 0
    with np.load(extracted) as arrays:
        windows = next(arrays[k] for k in arrays.files
                       if k.startswith("windows_") and len(arrays[k]))
    np.save(tmp_path / "windows.npy", windows)
    np.save(tmp_path / "one.npy", windows[0])  # one window, without the n axis
    out = tmp_path / "encoded.npz"
    code, err = _run(["encode", "--config", config, "--checkpoint", str(folder / "checkpoint"),
                      str(tmp_path / "windows.npy"), str(tmp_path / "one.npy"),
                      "--output", str(out), *extra], capsys)
    assert code == 0, err
    with np.load(out) as encoded:
        assert len(encoded["mu"]) == len(windows) + 1
        np.testing.assert_array_equal(encoded["windows"][:-1], windows)


def test_encode_names_a_npy_of_the_wrong_shape(tmp_path, capsys):
    bad = tmp_path / "bad.npy"
    np.save(bad, np.zeros((2, 256, 3), np.int16))  # trio windows for a melody config
    code, err = _run(["encode", "--config", "cat-mel_2bar_small", "--checkpoint", CHECKPOINT,
                      str(bad), "--output", str(tmp_path / "e.npz")], capsys)
    _one_line(code, err, f"{bad}: expected windows [n, 32] for cat-mel_2bar_small")


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_decode_refuses_nan_or_inf_in_z(value, tmp_path, capsys):
    z = np.zeros((3, 256), np.float32)
    z[1, 7] = value
    np.save(tmp_path / "z.npy", z)
    out = tmp_path / "out"
    code, err = _run(["decode", "--config", "cat-mel_2bar_small", "--checkpoint", CHECKPOINT,
                      "--z", str(tmp_path / "z.npy"), "--output", str(out)], capsys)
    _one_line(code, err, f"{tmp_path / 'z.npy'}: z holds NaN or infinite values (row 1)")
    assert not out.exists()


def test_decode_names_a_z_of_the_wrong_size(tmp_path, capsys):
    np.save(tmp_path / "z.npy", np.zeros((2, 8), np.float32))
    code, err = _run(["decode", "--config", "cat-mel_2bar_small", "--checkpoint", CHECKPOINT,
                      "--z", str(tmp_path / "z.npy"), "--output", str(tmp_path / "o")], capsys)
    _one_line(code, err, "z.npy: expected z [n, 256], got shape (2, 8)")


def test_a_pickled_npy_is_refused_naming_the_file(tmp_path, capsys):
    pickled = tmp_path / "pickled.npy"
    np.save(pickled, np.array([{"evil": 1}, None], dtype=object), allow_pickle=True)
    assert pickle  # an object array is stored as a pickle: loading it would run code
    code, err = _run(["decode", "--config", "cat-mel_2bar_small", "--checkpoint", CHECKPOINT,
                      "--z", str(pickled), "--output", str(tmp_path / "o")], capsys)
    _one_line(code, err, f"{pickled}: not a numeric numpy array")
    code, err = _run(["encode", "--config", "cat-mel_2bar_small", "--checkpoint", CHECKPOINT,
                      str(pickled), "--output", str(tmp_path / "e.npz")], capsys)
    _one_line(code, err, f"{pickled}: not a numeric numpy array")


def test_sample_caps_the_number_of_outputs(tmp_path, capsys):
    out = tmp_path / "out"
    code, err = _run(["sample", "--config", "cat-mel_2bar_small", "--checkpoint", CHECKPOINT,
                      "--num-outputs", "100000000", "--output-dir", str(out)], capsys)
    _one_line(code, err, f"100000000 is more than {MAX_OUTPUTS}")
    assert code == 2 and not out.exists()
    code, err = _run(["interpolate", "--config", "cat-mel_2bar_small", "--checkpoint", CHECKPOINT,
                      "--input-midi-1", "a.mid", "--input-midi-2", "b.mid",
                      "--num-outputs", str(MAX_OUTPUTS + 1), "--output-dir", str(out)], capsys)
    _one_line(code, err, f"is more than {MAX_OUTPUTS}")


@pytest.mark.parametrize("flags, names", [
    (["--hparams", "batch_size=0"], "batch_size must be at least 1, got 0"),
    (["--batch-size", "0"], "argument --batch-size/--batch_size: 0 is less than 1"),
    (["--hparams", "z_size=1000000000"], "more than this machine's"),
    (["--batch-size", "1000000000"], "needs at least"),
])
def test_train_refuses_impossible_hparams_before_anything_runs(flags, names, tmp_path, capsys):
    out = tmp_path / "model"
    code, err = _run(["train", "--config", "cat-mel_2bar_small", *flags,
                      "--train-data", str(tmp_path / "missing.tfrecord"), "--output", str(out),
                      "--steps", "3", "--checkpoint-root", str(tmp_path / "ckpt")], capsys)
    _one_line(code, err, names)  # before the missing --train-data file is even looked at
    assert not out.exists() and not (tmp_path / "ckpt").exists()


def test_a_config_the_checkpoint_contradicts_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    code, err = _run(["sample", "--config", "cat-mel_2bar_big", "--checkpoint", CHECKPOINT,
                      "--num-outputs", "1", "--output-dir", str(out)], capsys)
    _one_line(code, err, "--config cat-mel_2bar_big does not match the checkpoint")
    assert "did you mean --config cat-mel_2bar_small?" in err and not out.exists()
    # sizes the user sets are theirs: the checkpoint loads under the name asked for
    code, err = _run(["sample", "--config", "cat-mel_2bar_big", "--checkpoint", CHECKPOINT,
                      "--hparams", "z_size=256,enc_rnn_size=[2048],dec_rnn_size=[256,256]",
                      "--num-outputs", "1", "--output-dir", str(out)], capsys)
    assert code == 1 and "does not match config cat-mel_2bar_big" in err  # the real layers differ
