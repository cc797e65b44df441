"""`path` sources: folders (recursive) and globs."""

import pytest

from serenade.sources.local import list_path_source, path_source_root


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
