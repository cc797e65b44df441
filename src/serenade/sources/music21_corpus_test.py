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


def test_halved_note_values_turn_4_2_bars_into_4_4_bars_a_melody_config_takes(tmp_path):
    import pretty_midi
    from note_seq import midi_io

    from serenade.models.configs import get_config

    kyrie = {"include": ["palestrina/Kyrie_62_a.krn"]}
    plain = export_corpus("m", kyrie, tmp_path / "plain").files[0]["path"]
    halved = export_corpus("m", {**kyrie, "halve_note_values": True}, tmp_path / "half")
    original = pretty_midi.PrettyMIDI(str(tmp_path / "plain" / plain))
    diminished = pretty_midi.PrettyMIDI(str(tmp_path / "half" / halved.files[0]["path"]))
    assert [(s.numerator, s.denominator) for s in original.time_signature_changes] == [(4, 2)]
    assert [(s.numerator, s.denominator) for s in diminished.time_signature_changes] == [(4, 4)]
    beats = [original.time_to_tick(note.start) / original.resolution
             for note in original.instruments[0].notes]
    halved_beats = [diminished.time_to_tick(note.start) / diminished.resolution
                    for note in diminished.instruments[0].notes]
    assert halved_beats == [b / 2 for b in beats]  # same notes, every onset at half the beat
    converter = get_config("hierdec-mel_16bar").converter

    def windows(path):
        return len(converter.to_windows(midi_io.midi_file_to_note_sequence(str(path))))

    assert windows(tmp_path / "plain" / plain) == 0  # 32-step bars: refused
    assert windows(tmp_path / "half" / halved.files[0]["path"]) > 0
    # the cache knows the note values it was written with
    again = export_corpus("m", kyrie, tmp_path / "half")
    redone = pretty_midi.PrettyMIDI(str(tmp_path / "half" / again.files[0]["path"]))
    assert [(s.numerator, s.denominator) for s in redone.time_signature_changes] == [(4, 2)]
