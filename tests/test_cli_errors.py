"""Bad input to the model commands is one line on stderr and a non-zero status: no traceback,
no partial outputs. Every command runs over every damaged checkpoint and every bad flag."""

from __future__ import annotations

import gzip
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest

from serenade.cli import main

from testing.fixtures import magenta_fixture

SMALL = magenta_fixture("cat-mel_2bar_small")
CONFIG = "cat-mel_2bar_small"
CASE_1 = str(SMALL["cases"][1]["path"])
CASE_11 = str(SMALL["cases"][11]["path"])
DATA = "model.ckpt-500.data-00000-of-00001"
INDEX = "model.ckpt-500.index"


def _copy(folder: Path) -> Path:
    shutil.copytree(SMALL["folder"] / "checkpoint", folder)
    for file in folder.iterdir():
        file.chmod(0o644)
    return folder


def _rewrite(path: Path, change) -> None:
    path.write_bytes(change(path.read_bytes()))


def _flip(data: bytes) -> bytes:
    changed = bytearray(data)
    changed[len(changed) // 2] ^= 0x10
    return bytes(changed)


@pytest.fixture(scope="module")
def bad_checkpoints(tmp_path_factory) -> dict[str, tuple[str, str]]:
    """{case: (--checkpoint, what the error line must name)}."""
    root = tmp_path_factory.mktemp("bad")
    cases = {}
    for name, file, change in (("truncated", DATA, lambda data: data[: len(data) // 2]),
                               ("zeroed", DATA, lambda data: bytes(len(data))),
                               ("bit-flipped", DATA, _flip),
                               ("garbage index", INDEX, lambda data: os.urandom(len(data)))):
        folder = _copy(root / name.replace(" ", "_"))
        _rewrite(folder / file, change)
        cases[name] = (str(folder), str(folder / file))
    folder = _copy(root / "bad_json")
    (folder / "serenade.json").write_text('{"format": "serenade-musicvae", "config": ')
    cases["bad serenade.json"] = (str(folder), str(folder / "serenade.json"))
    folder = _copy(root / "json_escapes")
    (folder / "serenade.json").write_text('{"format": "serenade-musicvae", "config": "cat-mel_2bar_small", '
                                          '"hparams": "", "checkpoint": "../../etc/model"}')
    cases["serenade.json pointing outside"] = (str(folder), "must name a prefix in this folder")
    readme = root / "readme.tar"
    with tarfile.open(readme, "w") as bundle:
        info = tarfile.TarInfo("README.txt")
        info.size = 2
        bundle.addfile(info, io.BytesIO(b"hi"))
    cases["tar that is not a checkpoint"] = (str(readme), f"{readme}: the tar bundle holds no checkpoint")
    cases["missing path"] = (str(root / "nope"), str(root / "nope"))
    cases["gzip bomb"] = (str(_bomb(root / "bomb.tar.gz")), "not a usable checkpoint bundle")
    return cases


def _bomb(path: Path) -> Path:
    """A gzip'd tar whose data file unpacks far beyond what a bundle of its size may (64 MiB
    plus 4 times its size)."""
    size = 100_000_000
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as bundle:
        index = (SMALL["folder"] / "checkpoint" / INDEX).read_bytes()
        for name, payload in ((INDEX, index), (DATA, bytes(size))):
            info = tarfile.TarInfo(f"bomb/{name}")
            info.size = len(payload)
            bundle.addfile(info, io.BytesIO(payload))
    path.write_bytes(gzip.compress(raw.getvalue(), compresslevel=9))
    assert path.stat().st_size < 200_000
    return path


def _command(name: str, checkpoint: str, out: Path, inputs: Path) -> list[str]:
    common = ["--config", CONFIG, "--checkpoint", checkpoint]
    return {
        "sample": ["sample", *common, "--num-outputs", "1", "--output-dir", str(out)],
        "encode": ["encode", *common, CASE_1, "--output", str(out / "e.npz")],
        "decode": ["decode", *common, "--z", str(inputs / "z.npy"), "--output", str(out)],
        "interpolate": ["interpolate", *common, "--input-midi-1", CASE_1, "--input-midi-2", CASE_11,
                        "--num-outputs", "2", "--output-dir", str(out)],
        "export-js": ["export-js", *common, "--output", str(out)],
    }[name]


COMMANDS = ["sample", "encode", "decode", "interpolate", "export-js"]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("inputs")
    with np.load(SMALL["folder"] / "expected.npz") as expected:
        np.save(folder / "z.npy", expected["case1_mu"][None])
    (folder / "a_file").write_text("not a folder")
    return folder


def run(argv: list[str], capsys) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exit:  # argparse: a bad flag
        code = exit.code
    return code, capsys.readouterr().err


def assert_one_line(code: int, err: str, names: str) -> None:
    assert code not in (0, None), err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and names in lines[0], err


@pytest.mark.parametrize("command", COMMANDS)
def test_every_damaged_checkpoint_is_one_line(command, bad_checkpoints, inputs, tmp_path, capsys):
    for case, (checkpoint, names) in bad_checkpoints.items():
        out = tmp_path / case.replace(" ", "_")
        code, err = run(_command(command, checkpoint, out, inputs), capsys)
        assert_one_line(code, err, names)
        assert err.startswith(f"serenade {command}: "), (case, err)
        assert not out.exists(), case  # no partial outputs


def _bad_flags(command: str, inputs: Path) -> dict[str, tuple[list[str], str]]:
    """{case: (argv changes, what the error line must name)}."""
    checkpoint = str(SMALL["folder"] / "checkpoint")
    cases = {
        "unknown config": (["--config", "cat-mel_3bar"], "argument --config: unknown config"),
        "hparam not a number": (["--hparams", "z_size=abc"], "--hparams 'z_size=abc'"),
        "unknown hparam": (["--hparams", "zsize=3"], "unknown hparams ['zsize']"),
        "hparam nan": (["--hparams", "free_bits=nan"], "is not a finite number"),
    }
    if command not in ("encode", "export-js"):
        cases["negative temperature"] = (["--temperature", "-1"], "argument --temperature: -1 is less than 0")
        cases["nan temperature"] = (["--temperature", "nan"], "argument --temperature: 'nan' is not a finite")
        cases["inf temperature"] = (["--temperature", "inf"], "'inf' is not a finite number")
    a_file = str(inputs / "a_file")
    if command in ("sample", "interpolate"):
        cases["output dir is a file"] = (["--output-dir", a_file], f"{a_file} is a file, not a folder")
    elif command in ("decode", "export-js"):
        cases["output dir is a file"] = (["--output", a_file], f"{a_file} is a file, not a folder")
    else:
        cases["output under a file"] = (["--output", a_file + "/x.npz"], f"{a_file} is a file, not a folder")
    return {case: (changes, names, checkpoint) for case, (changes, names) in cases.items()}


@pytest.mark.parametrize("command", COMMANDS)
def test_every_bad_flag_is_one_line(command, inputs, tmp_path, capsys):
    for case, (changes, names, checkpoint) in _bad_flags(command, inputs).items():
        out = tmp_path / case.replace(" ", "_")
        argv = _command(command, checkpoint, out, inputs)
        for flag, value in zip(changes[::2], changes[1::2]):
            if flag in argv:
                argv[argv.index(flag) + 1] = value
            else:
                argv += [flag, value]
        code, err = run(argv, capsys)
        assert_one_line(code, err, names)
        assert not out.exists(), case
        assert not list(inputs.glob("a_file/*")), case


# TensorFlow's native start-up chatter (absl log lines) reaches stderr before Python runs.
_TF_NATIVE = re.compile(
    r"^(WARNING: All log messages before absl|[IWE]\d{4} \d\d:\d\d|To enable the following)")


def test_the_installed_entry_point_prints_no_traceback(bad_checkpoints, inputs, tmp_path):
    for argv, names in (
            (_command("sample", bad_checkpoints["truncated"][0], tmp_path / "a", inputs),
             bad_checkpoints["truncated"][1]),
            (_command("sample", str(SMALL["folder"] / "checkpoint"), tmp_path / "b", inputs)
             + ["--temperature", "nan"], "'nan' is not a finite number")):
        done = subprocess.run([sys.executable, "-m", "serenade.cli", *argv], capture_output=True, text=True,
                              timeout=300)
        ours = [line for line in done.stderr.splitlines() if not _TF_NATIVE.match(line)]
        assert done.returncode != 0 and len(ours) == 1 and names in ours[0], done.stderr
        assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
