"""Selecting and exporting music21's corpus."""

import pytest

from serenade.sources.music21_corpus import export_corpus, select_corpus_files


def test_selection_is_sorted_limited_and_spread():
    everything = select_corpus_files(["bach/bwv*.mxl"])
    chosen = select_corpus_files(["bach/bwv*.mxl"], limit=10)
    assert len(chosen) == 10 and chosen == sorted(chosen) and set(chosen) <= set(everything)
    assert chosen[0] == everything[0] and chosen[-1] in everything[-len(everything) // 10 - 1:]
    fewer = select_corpus_files(["bach/bwv*.mxl"], exclude=["bach/bwv1*"])
    assert not any(p.startswith("bach/bwv1") for p in fewer)


def test_unknown_pattern_is_an_error():
    with pytest.raises(FileNotFoundError, match="matches nothing"):
        select_corpus_files(["no_such_composer/*.mxl"])


def test_export_and_cache(tmp_path):
    selection = {"include": ["bach/bwv10.7.mxl", "ryansMammoth/AcaciaReel.abc"]}
    listing = export_corpus("m", selection, tmp_path, workers=1)
    assert [entry["path"] for entry in listing.files] == ["bach/bwv10.7_0.mid",
                                                          "ryansMammoth/AcaciaReel_0.mid"]
    first = (tmp_path / "bach" / "bwv10.7_0.mid").stat().st_mtime_ns
    again = export_corpus("m", selection, tmp_path, workers=1)
    assert again == listing
    assert (tmp_path / "bach" / "bwv10.7_0.mid").stat().st_mtime_ns == first  # not re-exported
    assert not list(tmp_path.rglob("*.tmp.mid"))


def test_pieces_music21_cannot_export_are_listed(tmp_path):
    listing = export_corpus("m", {"include": ["ryansMammoth/BoyneHuntReel.abc"]}, tmp_path)
    assert listing.files == []
    assert listing.failed[0]["path"] == "ryansMammoth/BoyneHuntReel.abc#0"
    assert "music21 cannot export" in listing.failed[0]["reason"]
