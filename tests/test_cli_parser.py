"""The parser of every command: a typo is named (with the closest flag or command) before
anything else, no prefix is taken for a flag, every flag has help, magenta's --log works, and
flag errors come before TensorFlow is imported."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from serenade.cli import build_parser, main

from testing.fixtures import magenta_fixture

SMALL = magenta_fixture("cat-mel_2bar_small")
CHECKPOINT = str(SMALL["folder"] / "checkpoint")


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _usage_error(argv: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1, err
    return err


def test_a_typo_is_named_with_the_closest_flag_before_a_missing_required_flag(capsys):
    err = _usage_error(["sample", "--temprature", "0.3"], capsys)  # --config missing too
    assert "unknown flag --temprature; did you mean --temperature?" in err
    err = _usage_error(["train", "--config=cat-mel_2bar_small", "--num_step=3"], capsys)
    assert "unknown flag --num_step; did you mean --num_steps?" in err


def test_a_typo_in_the_command_is_named_with_the_closest_command(capsys):
    err = _usage_error(["sampel", "--config", "cat-mel_2bar_small"], capsys)
    assert "unknown command 'sampel'; did you mean sample?" in err


def test_a_prefix_of_a_flag_is_not_taken_for_it(tmp_path, capsys):
    out = tmp_path / "out"
    err = _usage_error(["sample", "--config", "cat-mel_2bar_small", "--checkpoint", CHECKPOINT,
                        "--num-output", "3", "--output-dir", str(out)], capsys)
    assert "unknown flag --num-output; did you mean --num-outputs?" in err
    assert not out.exists()


def test_negative_numbers_and_values_are_not_taken_for_flags(tmp_path, capsys):
    err = _usage_error(["sample", "--config", "cat-mel_2bar_small", "--checkpoint", CHECKPOINT,
                        "--temperature", "-1", "--output-dir", str(tmp_path / "out")], capsys)
    assert "--temperature: -1 is less than 0" in err


def test_every_flag_of_every_command_has_help():
    missing = [(name, action.option_strings or action.dest)
               for name, command in _commands().items() for action in command._actions
               if not action.help or action.help == argparse.SUPPRESS]
    assert not missing


@pytest.mark.parametrize("spelling", [["--log", "DEBUG"], ["--log=warn"], ["--log=ERROR"]])
def test_magentas_log_flag_is_taken(spelling):
    given = {"sample": ["--checkpoint", CHECKPOINT, "--output_dir", "o"], "train": [],
             "interpolate": ["--checkpoint", CHECKPOINT, "--input_midi_1", "a.mid",
                             "--input_midi_2", "b.mid", "--output_dir", "o"]}
    for name, argv in given.items():
        args = build_parser().parse_args([name, "--config=cat-mel_2bar_small", *argv, *spelling])
        assert args.log == spelling[-1].split("=")[-1].upper()
    for name in ("encode", "decode", "quality", "export-js", "journey", "attributes"):
        assert "--log" in _commands()[name]._option_string_actions


def test_log_sets_the_logging_threshold(tmp_path):
    script = ("import logging, sys\nfrom serenade.cli import main\n"
              "code = main(sys.argv[1:])\n"
              "print(logging.getLogger().getEffectiveLevel(), code)\n")
    done = subprocess.run(
        [sys.executable, "-c", script, "sample", "--config", "cat-mel_2bar_small", "--checkpoint",
         CHECKPOINT, "--num-outputs", "1", "--output-dir", str(tmp_path), "--log", "ERROR"],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split()[-2:] == ["40", "0"]
    assert len(list(tmp_path.glob("*.mid"))) == 1


_NO_TENSORFLOW = """
import json, sys
from serenade.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
print(json.dumps([code, "tensorflow" in sys.modules]))
"""


@pytest.mark.parametrize("argv, names", [
    (["sample", "--temprature", "0.3"], "did you mean --temperature"),
    (["sampel"], "did you mean sample"),
    (["sample", "--config", "cat-mel_3bar", "--checkpoint", CHECKPOINT, "--output-dir", "o"],
     "unknown config 'cat-mel_3bar'"),
    (["decode", "--config", "cat-mel_2bar_small", "--checkpoint", CHECKPOINT, "--z", "z.npy",
      "--output", "o", "--hparams", "z_size=abc"], "--hparams 'z_size=abc'"),
    (["train", "--config", "cat-mel_2bar_small", "--hparams", "batch_size=0",
      "--train-data", "t.tfrecord", "--output", "o", "--steps", "3"], "batch_size"),
    (["sample", "--config", "cat-mel_2bar_small", "--checkpoint", CHECKPOINT,
      "--temperature", "nan", "--output-dir", "o"], "'nan' is not a finite number"),
])
def test_flag_errors_come_before_tensorflow_is_imported(argv, names, tmp_path):
    done = subprocess.run([sys.executable, "-c", _NO_TENSORFLOW, *argv], capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)
    code, imported = json.loads(done.stdout.splitlines()[-1])
    assert code in (1, 2) and names in done.stderr, done.stderr
    assert not imported, argv
    assert "Traceback" not in done.stderr
