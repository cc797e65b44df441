import pandas as pd
import pytest

from serenade.generation.inputs import needs_manifest, parse_spec, resolve_input


def _manifest(tmp_path, rows):
    path = tmp_path / "manifest.csv"
    pd.DataFrame(rows, columns=["source", "path", "file", "status", "reason"]).to_csv(path, index=False)
    return path


def test_parse_spec_only_for_known_sources():
    assert parse_spec("folk:a/b.mid", ["folk"]) == ("folk", "a/b.mid")
    assert parse_spec("other:a/b.mid", ["folk"]) == (None, "other:a/b.mid")
    assert parse_spec("midi/x.mid", ["folk"]) == (None, "midi/x.mid")
    assert needs_manifest(["x.mid", "folk:y.mid"], ["folk"])
    assert not needs_manifest(["x.mid"], ["folk"])


def test_resolve_paths_and_manifest_entries(tmp_path):
    fetched = tmp_path / "raw" / "tune.mid"
    fetched.parent.mkdir()
    fetched.write_bytes(b"MThd")
    manifest = _manifest(tmp_path, [["folk", "set/tune.mid", str(fetched), "ok", ""],
                                    ["folk", "set/gone.mid", "", "invalid", "not a MIDI file"]])
    sources = [{"name": "folk", "url": "https://example.org/x.zip"}]
    assert resolve_input("folk:set/tune.mid", sources, manifest) == fetched
    assert resolve_input(str(fetched), sources, manifest) == fetched
    with pytest.raises(FileNotFoundError, match="status invalid .not a MIDI file."):
        resolve_input("folk:set/gone.mid", sources, manifest)
    with pytest.raises(FileNotFoundError, match="not in manifest .* look like: set/tune.mid"):
        resolve_input("folk:set/else.mid", sources, manifest)
    with pytest.raises(FileNotFoundError, match="'nope:x.mid': no such file .and 'nope' is not a source"):
        resolve_input("nope:x.mid", sources, manifest)
    with pytest.raises(FileNotFoundError, match="no manifest yet"):
        resolve_input("folk:set/tune.mid", sources, tmp_path / "missing.csv")


def test_path_source_without_manifest(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "a.mid").write_bytes(b"MThd")
    sources = [{"name": "mine", "path": str(tmp_path / "mine")}]
    assert resolve_input("mine:a.mid", sources) == tmp_path / "mine" / "a.mid"
    with pytest.raises(FileNotFoundError, match="not in .*mine"):
        resolve_input("mine:b.mid", sources)
