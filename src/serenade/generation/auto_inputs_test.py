import json

import pandas as pd
import pytest

from serenade.generation import auto_inputs as auto

SOURCES = [{"name": "chorales", "labels": ["calm", "old"]}, {"name": "reels", "labels": ["old"]}]


def _manifest(tmp_path, rows, column="windows_2bar"):
    """A manifest with the columns auto inputs read, one row per (source, path, status, split,
    windows)."""
    labels = {s["name"]: json.dumps(s["labels"]) for s in SOURCES}
    frame = pd.DataFrame([{"source": source, "path": path, "status": status, "split": split,
                           "labels": labels.get(source, "[]"), column: windows}
                          for source, path, status, split, windows in rows])
    path = tmp_path / "manifest.csv"
    frame.to_csv(path, index=False)
    return path


ROWS = [("chorales", "c1.mid", "ok", "eval", 10), ("chorales", "c2.mid", "ok", "eval", 30),
        ("chorales", "c3.mid", "ok", "train", 50), ("reels", "r1.mid", "ok", "eval", 20),
        ("reels", "r2.mid", "ok", "train", 90), ("reels", "bad.mid", "invalid", "", 0),
        ("reels", "copy.mid", "duplicate", "", 0), ("reels", "waltz.mid", "ok", "eval", 0)]


def test_candidates_are_valid_files_with_windows_eval_split_first(tmp_path):
    ranked = auto.candidates(_manifest(tmp_path, ROWS), "cat-mel_2bar_small")
    assert [c.spec for c in ranked] == ["chorales:c2.mid", "reels:r1.mid", "chorales:c1.mid",
                                        "reels:r2.mid", "chorales:c3.mid"]
    assert ranked[0].labels == ("calm", "old")


def test_auto_inputs_take_sources_in_turn_and_keep_named_inputs(tmp_path):
    manifest = _manifest(tmp_path, ROWS)
    picked = auto.resolve_specs(["auto", "auto", "auto"], manifest, "cat-mel_2bar_small", "journey")
    assert picked == ["chorales:c2.mid", "reels:r1.mid", "chorales:c1.mid"]
    # a named input is kept in place and never picked a second time
    assert auto.resolve_specs(["auto", "chorales:c2.mid"], manifest, "cat-mel_2bar_tiny",
                              "pair") == ["reels:r1.mid", "chorales:c2.mid"]
    assert auto.resolve_specs(["a.mid", "b.mid"], None, "cat-mel_2bar_small", "x") == ["a.mid", "b.mid"]


def test_too_few_pieces_name_the_entry_and_the_config(tmp_path):
    manifest = _manifest(tmp_path, ROWS[:1])
    with pytest.raises(auto.AutoInputError, match="interpolation 'pair': 2 auto inputs .*"
                                                  "cat-mel_2bar_small windows .* found 1"):
        auto.resolve_specs(["auto", "auto"], manifest, "cat-mel_2bar_small", "interpolation 'pair'")


def test_the_column_of_a_drum_config_counts_its_windows(tmp_path):
    manifest = _manifest(tmp_path, [("reels", "groove.mid", "ok", "eval", 4)],
                         column="windows_cat-drums_2bar_small")
    assert [c.spec for c in auto.candidates(manifest, "cat-drums_2bar_tiny")] == ["reels:groove.mid"]
    with pytest.raises(auto.AutoInputError, match="no window count for config cat-mel_2bar_small"):
        auto.candidates(manifest, "cat-mel_2bar_small")


def test_auto_attributes_are_the_family_defaults_and_the_labels_that_split_the_sources():
    defaults = ("note_density", "pitch_range")
    # `old` is on every source: no window lacks it, so it cannot make a vector
    assert auto.attribute_names("auto", defaults, SOURCES) == ["note_density", "pitch_range", "calm"]
    assert auto.attribute_names(["calm"], defaults, SOURCES) == ["calm"]
    assert auto.attribute_names("auto", defaults, [{"name": "mine", "labels": []}]) == list(defaults)


def test_auto_pieces_push_a_piece_without_the_label_towards_it(tmp_path):
    ranked = auto.candidates(_manifest(tmp_path, ROWS), "cat-mel_2bar_small")
    names = auto.attribute_names("auto", ("note_density",), SOURCES)
    assert auto.attribute_pieces(names, SOURCES, ranked, 1.5) == [
        {"name": "more_calm", "input": "reels:r1.mid", "attribute": "calm", "strength": 1.5}]
    unlabelled = [{"name": "chorales", "labels": []}, {"name": "reels", "labels": []}]
    assert auto.attribute_pieces(["note_density"], unlabelled, ranked, 1.5) == [
        {"name": "less_note_density", "input": "chorales:c2.mid", "attribute": "note_density",
         "strength": -1.5}]
    assert auto.attribute_pieces(["note_density"], unlabelled, [], 1.5) == []
