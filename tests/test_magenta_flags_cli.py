"""magenta's music_vae_train / music_vae_generate flags on `serenade train`, `sample` and
`interpolate`: a run folder trained, evaluated and sampled the way magenta users type it."""

from __future__ import annotations

import shutil

import pytest

from serenade.cli import main
from serenade.paths import MAGENTA_FIXTURES

from testing.fixtures import fixture_note_sequences
from testing.music_files import write_note_sequence_tfrecord

CASES = MAGENTA_FIXTURES / "cat-mel_2bar_small" / "cases"


@pytest.mark.slow
def test_run_dir_train_eval_sample_and_interpolate(tmp_path, capsys):
    sequences = fixture_note_sequences()
    data = tmp_path / "data"
    write_note_sequence_tfrecord(data / "train-0.tfrecord", sequences[:5])
    write_note_sequence_tfrecord(data / "train-1.tfrecord", sequences[5:9])
    write_note_sequence_tfrecord(data / "eval-0.tfrecord", sequences[9:])
    run_dir = tmp_path / "run"
    store = f"sqlite:///{tmp_path / 'mlflow.db'}"
    assert main(["train", "--config=cat-mel_2bar_tiny", f"--run_dir={run_dir}", "--mode=train",
                 f"--examples_path={data}/train-*.tfrecord", "--num_steps=4", "--batch_size=8",
                 f"--tracking_uri={store}"]) == 0
    assert (run_dir / "train" / "checkpoint" / "serenade.json").is_file()
    assert any((run_dir / "checkpoints").iterdir())  # resume checkpoints beside it
    assert main(["train", "--config=cat-mel_2bar_tiny", f"--run_dir={run_dir}", "--mode=eval",
                 f"--examples_path={data}/eval-*.tfrecord", f"--tracking_uri={store}"]) == 0
    assert (run_dir / "eval" / "eval.json").is_file()
    samples = tmp_path / "samples"
    assert main(["sample", "--config=cat-mel_2bar_tiny", f"--run_dir={run_dir}", "--mode=sample",
                 "--num_outputs=3", f"--output_dir={samples}", "--temperature=0.5",
                 "--max_batch_size=2"]) == 0
    assert len(list(samples.glob("cat-mel_2bar_tiny_sample_*.mid"))) == 3
    steps = tmp_path / "interp"
    assert main(["interpolate", "--config=cat-mel_2bar_tiny", f"--run_dir={run_dir}",
                 "--mode=interpolate", f"--input_midi_1={CASES / 'BlueStockingClog_0.mid'}",
                 f"--input_midi_2={CASES / '1625-1700_6.mid'}", "--num_outputs=3",
                 f"--output_dir={steps}"]) == 0
    assert len(list(steps.glob("*.mid"))) == 3


def test_a_magenta_run_dir_and_the_wrong_mode(tmp_path, capsys):
    run_dir = tmp_path / "magenta_run"
    shutil.copytree(MAGENTA_FIXTURES / "cat-mel_2bar_small" / "checkpoint", run_dir / "train")
    out = tmp_path / "out"
    assert main(["sample", "--config=cat-mel_2bar_small", f"--run_dir={run_dir}",
                 "--mode=sample", "--num_outputs=2", f"--output_dir={out}"]) == 0
    assert len(list(out.glob("*.mid"))) == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["sample", "--config=cat-mel_2bar_small", f"--run_dir={run_dir}",
              "--mode=interpolate", f"--output_dir={out}"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'interpolate'" in capsys.readouterr().err
    assert main(["sample", "--config=cat-mel_2bar_small", f"--output_dir={out}"]) == 1
    assert "exactly one of --checkpoint" in capsys.readouterr().err
