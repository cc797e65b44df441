"""`snakemake data` for real on a tiny config in a temporary directory, plus dry runs of the
default config with both profiles and a config error that stops the run before any job."""

from __future__ import annotations

import io
import os
import re
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml

from hostile import MAX_MEMBER_BYTES, hostile_tar, hostile_zip, tune_bytes
from serenade.paths import MAGENTA_FIXTURES, REPO_ROOT
from serenade.sources.chunks import Chunk, all_chunks, chunk_of

from testing.http_server import serve_bytes
from testing.music_files import EDGE_CASES, simple_tune, write_edge_case_midis, write_raw_midi
from testing.workflow import run_snakemake


def snakemake(*args, cwd=REPO_ROOT, check=True):
    return run_snakemake(*args, cwd=cwd, check=check, timeout=600)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture()
def zip_server(tmp_path):
    """Serves /remote.zip (two MIDI files and a text file) and /v2/remote.zip, a new version
    of it: the same, but remote/r2.mid changed and remote/r3.mid added."""
    tune = lambda name, *args, **kwargs: write_raw_midi(  # noqa: E731
        tmp_path / name, simple_tune(*args, **kwargs)).read_bytes()
    first = {"remote/r1.mid": tune("r1.mid", 4, first_pitch=70),
             "remote/r2.mid": tune("r2.mid", 3, first_pitch=50), "remote/LICENSE.txt": b"CC0"}
    second = {**first, "remote/r2.mid": tune("r2b.mid", 5, first_pitch=52),
              "remote/r3.mid": tune("r3.mid", 4, first_pitch=60)}
    with serve_bytes({"/remote.zip": _zip(first), "/v2/remote.zip": _zip(second)}) as url:
        yield f"{url}/remote.zip"


@pytest.mark.slow
def test_snakemake_data_on_a_tiny_config(tmp_path, zip_server):
    work = tmp_path / "work"
    midi = tmp_path / "my midi"
    cases = sorted((MAGENTA_FIXTURES / "cat-mel_2bar_small" / "cases").glob("*.mid"))[:6]
    (midi / "fixtures").mkdir(parents=True)
    for case in cases:
        shutil.copy(case, midi / "fixtures" / case.name)
    edge = write_edge_case_midis(midi / "edge")
    config = {
        "sources": [
            {"name": "mine", "labels": ["calm"], "license": "CC0", "path": str(midi),
             "parse_chunks": 3},
            {"name": "corpus", "labels": ["lively"],
             "music21": {"include": ["bach/bwv10.7.mxl", "ryansMammoth/AcaciaReel.abc"]}},
            {"name": "remote", "url": zip_server, "parse_chunks": 3},
        ],
        "data": {"eval_fraction": 0.3, "train_shards": 2, "eval_shards": 1, "workers": 2},
    }
    (work / "config").mkdir(parents=True)
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    args = ["-s", str(REPO_ROOT / "Snakefile"), "--directory", str(work), "--cores", "2"]

    first = snakemake(*args, "data")
    manifest = pd.read_csv(work / "results" / "data" / "manifest.csv", keep_default_na=False)
    inputs = len(cases) + len(edge) + 2 + 2  # path source, music21 pieces, zip members
    assert len(manifest) == inputs
    rows = manifest.set_index(["source", "path"])
    for name, (status, word) in EDGE_CASES.items():
        row = rows.loc[("mine", f"edge/{name}")]
        assert row["status"] == status and word in row["reason"], name
    assert set(rows.loc["remote"].index) == {"remote.zip!remote/r1.mid", "remote.zip!remote/r2.mid"}
    assert set(rows.loc["corpus"].index) == {"bach/bwv10.7_0.mid", "ryansMammoth/AcaciaReel_0.mid"}
    assert (rows.loc["corpus", "labels"] == '["lively"]').all()
    quarantine = work / "results" / "data" / "quarantine" / "mine" / "edge"
    assert (quarantine / "random_bytes.mid").is_file() and (quarantine / "zero_length.mid").is_file()
    skipped = pd.read_csv(work / "results" / "data" / "skipped.csv")
    assert list(skipped["path"]) == ["remote.zip!remote/LICENSE.txt"]
    assert "Serenade data summary" in first.stdout + first.stderr

    tf = pytest.importorskip("tensorflow")
    from note_seq.protobuf import music_pb2

    shards = sorted((work / "results" / "data" / "notesequences").glob("*.tfrecord"))
    assert [p.name for p in shards] == ["eval-00000-of-00001.tfrecord", "train-00000-of-00002.tfrecord",
                                        "train-00001-of-00002.tfrecord"]
    sequences = [music_pb2.NoteSequence.FromString(bytes(r.numpy()))
                 for r in tf.data.TFRecordDataset([str(p) for p in shards])]
    ok = manifest[manifest["status"] == "ok"]
    assert len(sequences) == len(ok)
    assert {(s.collection_name, s.filename) for s in sequences} == set(zip(ok["source"], ok["path"]))

    # The folder was parsed as three chunk jobs, each with its time and memory record.
    for chunk in all_chunks(3):
        record = pd.read_csv(work / "results" / "benchmarks" / "parse_source" / "mine" /
                             f"{chunk.name}.tsv", sep="\t")
        assert record["max_rss"].iloc[0] > 0 and record["s"].iloc[0] > 0

    # Nothing changed: nothing to do.
    assert "Nothing to be done" in snakemake(*args, "data", "-n").stdout

    # A broken file and a new good one added to the folder: parsing reruns, the broken file is
    # `invalid` with its reason, everything else still converts; the corpus is not re-exported.
    (midi / "new broken.mid").write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00\x02\x01\xe0MTrk\x00\x00\xff\xff")
    write_raw_midi(midi / "new good.mid", simple_tune(5, first_pitch=65))
    new_chunks = {Chunk(chunk_of(name, 3), 3).name for name in ("new broken.mid", "new good.mid")}
    assert planned_chunks(snakemake(*args, "data", "-n").stdout) == new_chunks  # only those
    second = snakemake(*args, "data")
    assert "parse_source" in second.stdout + second.stderr
    assert "export_music21" not in second.stdout + second.stderr
    manifest2 = pd.read_csv(work / "results" / "data" / "manifest.csv", keep_default_na=False)
    assert len(manifest2) == inputs + 2
    rows2 = manifest2.set_index(["source", "path"])
    assert rows2.loc[("mine", "new broken.mid"), "status"] == "invalid"
    assert "cannot parse MIDI" in rows2.loc[("mine", "new broken.mid"), "reason"]
    assert rows2.loc[("mine", "new good.mid"), "status"] == "ok"
    unchanged = manifest.set_index(["source", "path"])["status"]
    assert (rows2.loc[unchanged.index, "status"] == unchanged).all()
    assert (quarantine.parent / "new broken.mid").is_file()

    # Changing a file's content reruns its source's parsing.
    write_raw_midi(midi / "new good.mid", simple_tune(6, first_pitch=60))
    os.utime(midi / "new good.mid", None)
    plan = snakemake(*args, "data", "-n").stdout
    assert "parse_source" in plan and "export_music21" not in plan
    assert planned_chunks(plan) == {Chunk(chunk_of("new good.mid", 3), 3).name}

    # A new version of the archive (one member changed, one added): it is fetched again, and
    # only the chunks holding those members are parsed again, not the third chunk.
    config["sources"][2]["url"] = zip_server.replace("/remote.zip", "/v2/remote.zip")
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    changed = {Chunk(chunk_of(f"remote.zip!remote/{name}", 3), 3).name
               for name in ("r2.mid", "r3.mid")}
    assert len(changed) < 3
    third = snakemake(*args, "data")
    assert "download_source" in third.stdout + third.stderr
    assert planned_chunks(third.stdout + third.stderr, "remote") == changed
    rows3 = pd.read_csv(work / "results" / "data" / "manifest.csv",
                        keep_default_na=False).set_index(["source", "path"])
    assert set(rows3.loc["remote"].index) == {f"remote.zip!remote/r{k}.mid" for k in (1, 2, 3)}
    assert rows3.loc[("remote", "remote.zip!remote/r2.mid"), "sha256"] != rows2.loc[
        ("remote", "remote.zip!remote/r2.mid"), "sha256"]
    assert "Nothing to be done" in snakemake(*args, "data", "-n").stdout


def planned_chunks(log: str, source: str = "mine") -> set[str]:
    """The chunks of `source` that a (dry) run's log shows parse jobs for."""
    return set(re.findall(rf"source={source}, chunk=(part-\d+-of-\d+)", log))


def test_default_config_dry_run_lists_the_chain():
    result = snakemake("-n", "--nolock", "--cores", "2", "--forceall")
    for rule in ("export_music21", "parse_source", "build_dataset"):
        assert rule in result.stdout, rule


def test_slurm_profile_plans_the_default_dag():
    result = snakemake("-n", "--nolock", "--profile", "profiles/slurm", "--forceall")
    for rule in ("export_music21", "parse_source", "build_dataset", "all"):
        assert rule in result.stdout, rule
    assert "Using profiles profiles/slurm" in result.stderr


def test_bad_config_stops_before_any_job(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text(yaml.safe_dump(
        {"sources": [{"name": "x", "path": str(tmp_path)}], "data": {"eval_fraction": 3, "shards": 2}}))
    result = snakemake("-s", str(REPO_ROOT / "Snakefile"), "--directory", str(tmp_path), "--cores", "1",
                       "data", check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "data.eval_fraction: 3 is greater than the maximum of 0.9" in output
    assert "unknown key(s) 'shards'" in output
    assert not (tmp_path / "results").exists() and not (tmp_path / "data").exists()


def test_path_source_with_no_midi_is_reported(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text(yaml.safe_dump(
        {"sources": [{"name": "x", "path": str(tmp_path / "empty")}]}))
    result = snakemake("-s", str(REPO_ROOT / "Snakefile"), "--directory", str(tmp_path), "-n", check=False)
    assert result.returncode != 0
    assert "matches no .mid/.midi file" in result.stdout + result.stderr


@pytest.fixture()
def hostile_server():
    """Serves the hostile archives, and /loop.zip, which redirects to itself."""
    tunes = tune_bytes(14, first_pitch=30)
    archives = {"/hostile.zip": hostile_zip(tunes[:8]), "/hostile.tar.gz": hostile_tar(tunes[8:])}

    with serve_bytes({path: body for path, (body, _) in archives.items()},
                redirect_loops=["/loop.zip"]) as url:
        yield {"url": url, "tunes": tunes,
               "outcomes": {path.lstrip("/"): outcomes for path, (_, outcomes) in archives.items()}}


# File names a `path` source may hold: undecodable bytes, a control character, braces, a name
# near the 255-byte limit -> how the manifest shows them.
ODD_NAMES = {b"caf\xe9.mid": "caf\\xe9.mid", b"new\nline.mid": "new\\x0aline.mid",
             b"br{ace}.mid": "br{ace}.mid", b"L" * 248 + b".mid": "L" * 248 + ".mid",
             b"plain.mid": "plain.mid"}


@pytest.mark.slow
def test_snakemake_data_over_hostile_archives_and_file_names(tmp_path, hostile_server):
    work, odd = tmp_path / "work", tmp_path / "odd"
    odd.mkdir()
    for index, name in enumerate(ODD_NAMES):
        write_raw_midi(Path(os.fsdecode(bytes(odd) + b"/" + name)), simple_tune(3, first_pitch=70 + index))
    url = hostile_server["url"]
    sources = [{"name": "zipped", "url": f"{url}/hostile.zip"},
               {"name": "tarred", "url": f"{url}/hostile.tar.gz"},
               {"name": "odd", "path": str(odd)}]
    config = {"sources": [*sources, {"name": "loop", "url": f"{url}/loop.zip"}],
              "data": {"workers": 1, "archives": {"max_member_bytes": MAX_MEMBER_BYTES}}, "models": []}
    (work / "config").mkdir(parents=True)
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    args = ["-s", str(REPO_ROOT / "Snakefile"), "--directory", str(work), "--cores", "2"]

    # A source whose download fails: the other sources go on, its job ends with one clear line.
    failed = snakemake(*args, "data", "--keep-going", check=False)
    assert failed.returncode != 0
    log = (work / "results" / "logs" / "data" / "download_source" / "loop.log").read_text()
    assert "Traceback" not in log
    assert log.splitlines()[-1].endswith(f"download_source: {url}/loop.zip: too many redirects "
                                         "(more than 30; the server redirects in a loop)")
    raw = work / "data" / "raw"
    assert not (raw / "loop").exists()
    assert not [p for p in raw.rglob("*") if p.suffix in (".tmp", ".part")]
    parsed = work / "results" / "data" / "sources" / "odd" / "part-001-of-001"
    assert (parsed / "files.csv").is_file()

    config["sources"] = sources
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    snakemake(*args, "data")
    manifest = pd.read_csv(work / "results" / "data" / "manifest.csv", keep_default_na=False)
    skipped = pd.read_csv(work / "results" / "data" / "skipped.csv", keep_default_na=False)
    for source, archive in (("zipped", "hostile.zip"), ("tarred", "hostile.tar.gz")):
        outcomes = hostile_server["outcomes"][archive]
        rows = manifest[manifest["source"] == source].set_index("path")
        listed = list(rows.index) + list(skipped.loc[skipped["source"] == source, "path"])
        assert sorted(listed) == sorted(f"{archive}!{member}" for member in outcomes)  # one row each
        for member, outcome in outcomes.items():
            if outcome.status != "skipped":
                row = rows.loc[f"{archive}!{member}"]
                assert row["status"] == outcome.status and outcome.word in row["reason"], (member, row["reason"])
    rows = manifest[manifest["source"] == "odd"]
    assert sorted(rows["path"]) == sorted(ODD_NAMES.values()) and set(rows["status"]) == {"ok"}

    # every good tune is in the TFRecords, once
    tf = pytest.importorskip("tensorflow")
    from note_seq.protobuf import music_pb2

    shards = sorted((work / "results" / "data" / "notesequences").glob("*.tfrecord"))
    sequences = [music_pb2.NoteSequence.FromString(bytes(r.numpy()))
                 for r in tf.data.TFRecordDataset([str(p) for p in shards])]
    ok = manifest[manifest["status"] == "ok"]
    assert len(ok) == len(hostile_server["tunes"]) + len(ODD_NAMES)
    assert sorted((s.collection_name, s.filename) for s in sequences) == sorted(zip(ok["source"], ok["path"]))
    assert "duplicate" not in set(manifest["status"])
    assert (work / "results" / "data" / "quarantine" / "zipped" / "hostile.zip" / "broken.mid").is_file()

    # a change to a file Snakemake cannot track still reruns its source's parsing
    assert "Nothing to be done" in snakemake(*args, "data", "-n").stdout
    latin = Path(os.fsdecode(bytes(odd) + b"/caf\xe9.mid"))
    write_raw_midi(latin, simple_tune(5, first_pitch=50))
    plan = snakemake(*args, "data", "-n").stdout
    assert "source=odd" in plan and "source=zipped" not in plan
