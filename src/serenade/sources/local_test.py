"""`path` sources: folders (recursive) and globs, any file name."""

import os
from pathlib import Path

import pytest

from serenade.sources.chunks import Chunk, chunk_of
from serenade.sources.local import (chunk_fingerprints, list_path_source, path_source_listing,
                                    path_source_root)
from serenade.sources.names import is_printable


def test_folder_is_searched_recursively(tmp_path):
    for name in ["a.mid", "sub/b.MIDI", "sub/deeper/c é.mid", "notes.txt", "sub/d.mid.bak"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    files = list_path_source(str(tmp_path))
    assert [f[len(str(tmp_path)) + 1:] for f in files] == ["a.mid", "sub/b.MIDI", "sub/deeper/c é.mid"]
    assert path_source_root(str(tmp_path)) == str(tmp_path)


def test_glob_and_its_root(tmp_path):
    for name in ["x/a.mid", "x/y/b.mid", "z/c.mid"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    files = list_path_source(str(tmp_path / "x" / "**" / "*.mid"))
    assert [f.rsplit("/", 1)[-1] for f in files] == ["a.mid", "b.mid"]
    assert path_source_root(str(tmp_path / "x" / "**" / "*.mid")) == str(tmp_path / "x")


def test_nothing_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="matches no .mid/.midi file"):
        list_path_source(str(tmp_path / "nope"))
    assert list_path_source(str(tmp_path), missing_ok=True) == []


def _odd_folder(tmp_path):
    """A folder holding names Snakemake or a CSV cannot take as they are."""
    from testing.music_files import simple_tune, write_raw_midi

    folder = tmp_path / "midi"
    names = {"plain.mid": 60, os.fsdecode(b"caf\xe9.mid"): 62, "br{ace}.mid": 64,
             "L" * 248 + ".mid": 66, os.fsdecode(b"sub/\xff\xfe/x.mid"): 68}
    for name, pitch in names.items():
        write_raw_midi(folder / name, simple_tune(2, first_pitch=pitch))
    return folder


def test_any_file_name_is_listed_with_a_printable_path(tmp_path):
    folder = _odd_folder(tmp_path)
    listing = path_source_listing("mine", str(folder), tmp_path / "renamed")
    paths = {entry["path"]: entry["file"] for entry in listing.files}
    assert set(paths) == {"plain.mid", "caf\\xe9.mid", "br{ace}.mid", "L" * 248 + ".mid",
                          "sub/\\xff\\xfe/x.mid"}
    for display, file in paths.items():
        file.encode("utf-8")  # every path can be written to the manifest
        assert is_printable(file)
    # undecodable names are parsed from a copy with the same bytes; the others in place
    assert paths["plain.mid"] == str(folder / "plain.mid")
    assert paths["br{ace}.mid"] == str(folder / "br{ace}.mid")
    assert Path(paths["caf\\xe9.mid"]).read_bytes() == (folder / os.fsdecode(b"caf\xe9.mid")).read_bytes()
    assert tmp_path / "renamed" in Path(paths["sub/\\xff\\xfe/x.mid"]).parents


def test_each_chunk_has_a_fingerprint_that_changes_with_its_files_alone(tmp_path):
    folder = _odd_folder(tmp_path)
    listing = path_source_listing("odd", str(folder), tmp_path / "renamed")
    chunk_of_file = {entry["path"]: chunk_of(entry["path"], 3) for entry in listing.files}
    before = chunk_fingerprints(str(folder), 3)
    assert len(before) == 3 and len(chunk_fingerprints(str(folder))) == 1
    odd = folder / os.fsdecode(b"caf\xe9.mid")  # a name Snakemake could not take as an input
    odd.write_bytes(odd.read_bytes() + b"\0")
    after = chunk_fingerprints(str(folder), 3)
    changed = {index for index in range(3) if after[index] != before[index]}
    assert changed == {chunk_of_file["caf\\xe9.mid"]}
    (folder / "new.mid").write_bytes(b"MThd")
    added = chunk_fingerprints(str(folder), 3)
    assert {i for i in range(3) if added[i] != after[i]} == {chunk_of("new.mid", 3)}
    split = [path_source_listing("odd", str(folder), tmp_path / f"r{i}", Chunk(i, 3))
             for i in range(3)]
    whole = path_source_listing("odd", str(folder), tmp_path / "all")
    assert sorted(e["path"] for part in split for e in part.files) == \
        sorted(e["path"] for e in whole.files)


def _linked_folder(tmp_path):
    """loops/ with two links back to itself, a linked file inside, one leaving the folder and
    one pointing to nothing."""
    folder = tmp_path / "loops"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "x.mid").write_bytes(b"x")
    (folder / "y.mid").write_bytes(b"y")
    (tmp_path / "secret.txt").write_bytes(b"SECRET")
    os.symlink(".", folder / "a")
    os.symlink(".", folder / "b")
    os.symlink("sub/x.mid", folder / "inner.mid")
    os.symlink(tmp_path / "secret.txt", folder / "hostname.mid")
    os.symlink("nowhere.mid", folder / "gone.mid")
    return folder


@pytest.mark.parametrize("spec", ["loops", "loops/**/*.mid"])
def test_links_back_to_the_folder_are_not_followed(tmp_path, spec):
    import time

    folder = _linked_folder(tmp_path)
    started = time.monotonic()
    files = list_path_source(str(tmp_path / spec))
    assert time.monotonic() - started < 2
    assert sorted(os.path.relpath(f, folder) for f in files) == [
        "gone.mid", "hostname.mid", "inner.mid", "sub/x.mid", "y.mid"]


def test_a_link_leaving_the_folder_or_to_nothing_gets_a_row_and_is_never_read(tmp_path):
    folder = _linked_folder(tmp_path)
    listing = path_source_listing("loops", str(folder / "**" / "*.mid"), tmp_path / "staging")
    assert sorted(entry["path"] for entry in listing.files) == ["inner.mid", "sub/x.mid", "y.mid"]
    failed = {entry["path"]: entry for entry in listing.failed}
    assert set(failed) == {"gone.mid", "hostname.mid"}
    assert "outside the source folder" in failed["hostname.mid"]["reason"]
    assert "a link to nothing" in failed["gone.mid"]["reason"]
    assert all("file" not in entry for entry in failed.values())  # no bytes to quarantine
    assert len(chunk_fingerprints(str(folder), 2)) == 2  # a dangling link is fingerprinted too
