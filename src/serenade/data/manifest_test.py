"""Manifest assembly: order, duplicates, split, shards, quarantine, summary."""

from __future__ import annotations

import json

import pandas as pd

from serenade.data.convert import convert_source
from serenade.data.manifest import (MANIFEST_COLUMNS, assemble_manifest, summarize, summary_text,
                                    write_quarantine, write_shards)
from serenade.base.tfrecords import read_note_sequences
from serenade.sources.chunks import all_chunks

from testing.music_files import simple_tune, write_edge_case_midis, write_raw_midi

SOURCES = [{"name": "edge", "labels": ["calm", "test"], "license": "CC0", "origin": ""},
           {"name": "copies", "labels": [], "license": "", "origin": ""}]


def _build(tmp_path):
    edge = write_edge_case_midis(tmp_path / "edge")
    extra = write_raw_midi(tmp_path / "copies" / "other.mid", simple_tune(6, first_pitch=62))
    copy = tmp_path / "copies" / "copy of tune.mid"
    copy.write_bytes(edge["tune.mid"].read_bytes())
    frames = [
        convert_source("copies", [("other.mid", str(extra)), ("copy of tune.mid", str(copy))],
                       [{"path": "x.abc#0", "reason": "music21 cannot export"}],
                       rows_path=tmp_path / "c.csv", records_path=tmp_path / "c.tfrecord"),
        convert_source("edge", [(name, str(path)) for name, path in edge.items()], [],
                       rows_path=tmp_path / "e.csv", records_path=tmp_path / "e.tfrecord"),
    ]
    manifest = assemble_manifest(frames, SOURCES, eval_fraction=0.5, train_shards=2, eval_shards=1)
    return manifest, edge


def test_manifest_rows_and_duplicates(tmp_path):
    manifest, edge = _build(tmp_path)
    assert list(manifest.columns) == MANIFEST_COLUMNS
    assert len(manifest) == len(edge) + 3  # every input appears, the failed export included
    assert list(manifest["source"]) == ["edge"] * len(edge) + ["copies"] * 3  # config order
    by_path = manifest.set_index("path")
    assert by_path.loc["copy of tune.mid", "status"] == "duplicate"
    assert "edge:tune.mid" in by_path.loc["copy of tune.mid", "reason"]
    assert by_path.loc["x.abc#0", "status"] == "invalid"
    assert json.loads(by_path.loc["tune.mid", "labels"]) == ["calm", "test"]
    assert by_path.loc["tune.mid", "license"] == "CC0"
    ok = manifest[manifest["status"] == "ok"]
    assert set(ok["split"]) <= {"train", "eval"} and ok["shard"].notna().all()
    assert (manifest.loc[manifest["status"] != "ok", "split"] == "").all()


def test_shards_quarantine_and_summary(tmp_path):
    manifest, edge = _build(tmp_path)
    shard_paths = {"train": [str(tmp_path / "out" / f"train-{i}") for i in range(2)],
                   "eval": [str(tmp_path / "out" / "eval-0")]}
    counts = write_shards(manifest, [tmp_path / "e.tfrecord", tmp_path / "c.tfrecord"], shard_paths)
    ok = manifest[manifest["status"] == "ok"]
    assert counts == {"train": int((ok["split"] == "train").sum()), "eval": int((ok["split"] == "eval").sum())}
    for split, paths in shard_paths.items():
        for shard, path in enumerate(paths):
            names = {(s.collection_name, s.filename) for s in read_note_sequences(path)}
            expected = ok[(ok["split"] == split) & (ok["shard"] == shard)]
            assert names == set(zip(expected["source"], expected["path"]))

    grouped = {split: [f"{path}.grouped" for path in paths] for split, paths in shard_paths.items()}
    assert write_shards(manifest, [tmp_path / "e.tfrecord", tmp_path / "c.tfrecord"], grouped,
                        open_files=1) == counts  # one pass over the records per shard
    for path in (p for paths in shard_paths.values() for p in paths):
        assert open(f"{path}.grouped", "rb").read() == open(path, "rb").read()

    copied = write_quarantine(manifest, tmp_path / "quarantine")
    invalid = manifest[manifest["status"] == "invalid"]
    assert copied == len(invalid) - 1  # the failed export has no bytes
    assert (tmp_path / "quarantine" / "edge" / "random_bytes.mid").read_bytes() == \
        edge["random_bytes.mid"].read_bytes()
    assert (tmp_path / "quarantine" / "reasons.csv").read_text().count("\n") == len(invalid) + 1

    summary = summarize(manifest)
    all_rows = summary[summary["source"] == "(all)"].set_index("split")
    assert all_rows.loc["train", "files"] + all_rows.loc["eval", "files"] == len(ok)
    text = summary_text(summary, manifest, manifest.iloc[0:0])
    assert "random_bytes.mid" in text and "no notes" in text


def test_quarantine_keeps_every_invalid_file_under_its_own_safe_name(tmp_path):
    """Rows whose paths map to one place (`x!a.mid`, `x!./a.mid`), or whose names are too long
    or hold escaped bytes, each get their own copy."""
    rows = []
    for index, path in enumerate(["x.zip!a.mid", "x.zip!./a.mid", "x.zip!a.mid#2",
                                  "x.zip!" + "L" * 240 + "\\xe9" * 10 + ".mid", "..!..!b.mid"]):
        file = tmp_path / f"in{index}.mid"
        file.write_bytes(b"bad %d" % index)
        rows.append({"source": "s", "path": path, "sha256": str(index), "status": "invalid",
                     "reason": "not a MIDI file", "file": str(file)})
    manifest = pd.DataFrame(rows)
    assert write_quarantine(manifest, tmp_path / "q") == 5
    copies = sorted(p.read_bytes() for p in (tmp_path / "q").rglob("*")
                    if p.is_file() and p.name != "reasons.csv")
    assert copies == [b"bad %d" % index for index in range(5)]
    assert all(tmp_path / "q" in p.parents for p in (tmp_path / "q").rglob("*"))


def test_a_source_parsed_in_chunks_gives_the_same_manifest(tmp_path):
    """The workflow parses a large source as several chunk jobs; their rows are one source."""
    edge = write_edge_case_midis(tmp_path / "edge")
    files = [(name, str(path)) for name, path in edge.items()]
    whole = convert_source("edge", files, [], rows_path=tmp_path / "w.csv",
                           records_path=tmp_path / "w.tfrecord")
    chunks = all_chunks(3)
    parts = [convert_source("edge", [(n, f) for n, f in files if chunk.holds(n)], [],
                            rows_path=tmp_path / f"{chunk.name}.csv",
                            records_path=tmp_path / f"{chunk.name}.tfrecord")
             for chunk in chunks]
    assert sum(len(part) for part in parts) == len(whole) and min(map(len, parts)) > 0
    one = assemble_manifest([whole], SOURCES[:1], eval_fraction=0.5, train_shards=2, eval_shards=1)
    split = assemble_manifest(parts[::-1], SOURCES[:1], eval_fraction=0.5, train_shards=2,
                              eval_shards=1)
    pd.testing.assert_frame_equal(one, split)
