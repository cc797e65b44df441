"""bench/scale_midi.py makes what it says: the manifest `serenade data` builds from a folder
of its files gives each file the status truth.csv expects, and a seed always makes the same
bytes (pieces from the magenta fixture's real MIDI, to stay fast)."""

from __future__ import annotations

import sys
from collections import Counter

from serenade.config_schema import defaults_of
from serenade.data.dataset import make_dataset
from serenade.paths import MAGENTA_FIXTURES, REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "bench"))

import pandas as pd  # noqa: E402
import scale_midi  # noqa: E402

SHARES = (0.25, 0.1)  # many broken files and copies among 60


def _pieces() -> list[dict]:
    cases = sorted((MAGENTA_FIXTURES / "cat-mel_2bar_small" / "cases").glob("*.mid"))
    pieces = [scale_midi.piece_from_midi(path, path.name) for path in cases[:6]]
    return [piece for piece in pieces if piece is not None]


def test_every_file_gets_the_status_the_generator_expects(tmp_path):
    pieces = _pieces()
    truth = scale_midi.make_folder(tmp_path / "midi", 60, pieces, seed=7, shares=SHARES,
                                   workers=1)
    kinds = Counter(row["kind"] for row in truth)
    assert kinds["valid"] > 30 and kinds["duplicate"] >= 3
    assert len(set(kinds) & set(scale_midi.BROKEN_KINDS)) >= 5, kinds
    valid = [row["sha256"] for row in truth if row["kind"] == "valid"]
    assert len(set(valid)) == len(valid)  # every variation is new content
    assert len({row["path"].split("/")[0] for row in truth}) > 5  # Lakh-like nested folders

    data = {**defaults_of("data"), "workers": 1}
    make_dataset([{"name": "scale", "path": str(tmp_path / "midi")}], tmp_path / "out", data)
    manifest = pd.read_csv(tmp_path / "out" / "manifest.csv", keep_default_na=False)
    statuses = dict(zip(manifest["path"], manifest["status"]))
    assert statuses == {row["path"]: row["status"] for row in truth}
    broken = {row["sha256"] for row in truth if row["kind"] in scale_midi.BROKEN_KINDS}
    assert Counter(statuses.values())["invalid"] == len(broken)  # empty files are copies


def test_a_seed_always_makes_the_same_files():
    pieces = _pieces()
    first = [scale_midi.file_bytes(pieces, 3, index, SHARES) for index in range(40)]
    again = [scale_midi.file_bytes(pieces, 3, index, SHARES) for index in reversed(range(40))]
    assert first == again[::-1]
    other = [scale_midi.file_bytes(pieces, 4, index, SHARES)[1] for index in range(40)]
    assert not set(data for _, data in first if data) & set(other)
    assert scale_midi.file_name(3, 5) != scale_midi.file_name(4, 5)
