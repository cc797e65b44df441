"""`serenade data` for real: a folder with a corrupt file and a zip archive served on
127.0.0.1 become a manifest, a quarantine and NoteSequence TFRecords, as `snakemake data` makes
them."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd

from serenade.paths import MAGENTA_FIXTURES

from testing.http_server import serve_bytes
from testing.music_files import simple_tune, write_raw_midi

SERENADE = str(Path(sys.executable).with_name("serenade"))
CASES = MAGENTA_FIXTURES / "cat-mel_2bar_small" / "cases"


def _serenade(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([SERENADE, *args], capture_output=True, text=True, timeout=600)


def test_folder_and_archive_become_a_dataset(tmp_path):
    folder = tmp_path / "my tunes"
    shutil.copytree(CASES, folder)
    (folder / "broken.mid").write_bytes(b"MThd\x00\x00\x00\x06garbage")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        for index, pitch in enumerate((60, 67)):
            tune = write_raw_midi(tmp_path / f"t{index}.mid", simple_tune(4, first_pitch=pitch))
            bundle.writestr(f"remote/t{index}.mid", tune.read_bytes())
    out = tmp_path / "data"
    with serve_bytes({"/tunes.zip": archive.getvalue()}) as url:
        result = _serenade("data", f"mine={folder}", f"{url}/tunes.zip", "--label", "mine=calm",
                           "--output", str(out), "--eval-fraction", "0.3", "--workers", "1")
    assert result.returncode == 0, result.stderr[-3000:]
    manifest = pd.read_csv(out / "manifest.csv", keep_default_na=False)
    assert set(manifest["source"]) == {"mine", "tunes"}
    mine = manifest[manifest["source"] == "mine"]
    assert len(mine) == len(list(CASES.glob("*.mid"))) + 1
    broken = mine[mine["path"] == "broken.mid"].iloc[0]
    assert broken["status"] == "invalid" and broken["reason"]
    assert (out / "quarantine" / "mine" / "broken.mid").is_file()
    assert set(json.loads(mine.iloc[0]["labels"])) == {"calm"}
    assert sorted(manifest[manifest["source"] == "tunes"]["path"]) == [
        "tunes.zip!remote/t0.mid", "tunes.zip!remote/t1.mid"]
    import tensorflow as tf

    shards = sorted((out / "notesequences").glob("*.tfrecord"))
    assert [s.name for s in shards] == ["eval-00000-of-00001.tfrecord",
                                        "train-00000-of-00002.tfrecord",
                                        "train-00001-of-00002.tfrecord"]
    records = sum(1 for shard in shards for _ in tf.data.TFRecordDataset(str(shard)))
    assert records == int((manifest["status"] == "ok").sum())
    assert "invalid" in result.stdout  # the summary


def test_a_missing_folder_and_a_bad_label_are_named(tmp_path):
    result = _serenade("data", str(tmp_path / "nowhere"), "--output", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "sources[0].path" in result.stderr and "nowhere" in result.stderr
    assert not (tmp_path / "out").exists()
    result = _serenade("data", f"a={CASES}", "--label", "b=calm", "--output", str(tmp_path / "o"))
    assert result.returncode == 1 and "--label 'b=calm'" in result.stderr
