"""Hostile `path` sources through `serenade data` for real (what `snakemake data` runs): links
that loop, leave the folder or point to nothing; files that would expand past the parse caps.
Every entry gets a manifest row, no job walks or grows without bound, and nothing from outside
the source folder reaches the quarantine."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from testing.music_files import simple_tune, write_raw_midi


SERENADE = str(Path(sys.executable).with_name("serenade"))


def _data(out: Path, *sources: str) -> pd.DataFrame:
    result = subprocess.run([SERENADE, "data", *sources, "--output", str(out), "--workers", "1"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stdout + result.stderr
    return pd.read_csv(out / "manifest.csv", keep_default_na=False).set_index("path")


@pytest.mark.parametrize("glob", [False, True])
def test_links_that_loop_leave_or_dangle(tmp_path, glob):
    folder = tmp_path / "loops"
    write_raw_midi(folder / "sub" / "tune.mid", simple_tune(4))
    secret = tmp_path / "hostname"
    secret.write_bytes(b"MThd SECRET-HOST-BYTES")
    os.symlink(".", folder / "a")
    os.symlink(".", folder / "b")
    os.symlink(secret, folder / "hostname.mid")
    os.symlink("missing.mid", folder / "gone.mid")
    spec = f"loops={folder}/**/*.mid" if glob else f"loops={folder}"
    started = time.monotonic()
    manifest = _data(tmp_path / "data", spec)
    assert time.monotonic() - started < 120
    assert sorted(manifest.index) == ["gone.mid", "hostname.mid", "sub/tune.mid"]
    assert manifest.loc["sub/tune.mid", "status"] == "ok"
    assert manifest.loc["hostname.mid", "status"] == "invalid"
    assert "outside the source folder" in manifest.loc["hostname.mid", "reason"]
    assert manifest.loc["gone.mid", "status"] == "invalid"
    assert "a link to nothing" in manifest.loc["gone.mid", "reason"]
    quarantined = [p for p in (tmp_path / "data" / "quarantine").rglob("*") if p.is_file()]
    assert not any(b"SECRET-HOST-BYTES" in p.read_bytes() for p in quarantined)


def test_an_oversize_file_in_a_folder_gets_a_row_and_is_quarantined(tmp_path):
    from serenade.base.midi_limits import MAX_FILE_BYTES

    folder = tmp_path / "tunes"
    write_raw_midi(folder / "tune.mid", simple_tune(4))
    with open(folder / "huge.mid", "wb") as handle:
        handle.write((folder / "tune.mid").read_bytes())
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse
    manifest = _data(tmp_path / "data", f"tunes={folder}")
    assert manifest.loc["tune.mid", "status"] == "ok"
    assert manifest.loc["huge.mid", "status"] == "invalid"
    assert "over a parse cap" in manifest.loc["huge.mid", "reason"]
    assert (tmp_path / "data" / "quarantine" / "tunes" / "huge.mid").is_file()
