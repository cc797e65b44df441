"""Per-file checks on edge-case MIDI files written by the tests, and the MIDI -> TFRecord ->
NoteSequence round trip."""

from __future__ import annotations

import json

from note_seq import midi_io

from serenade.data.convert import convert_source
from serenade.data.inspection import inspect_file, inspect_midi
from serenade.base.tfrecords import read_note_sequences

from testing.music_files import EDGE_CASES, write_edge_case_midis


def test_edge_cases_get_the_right_status_and_reason(tmp_path):
    paths = write_edge_case_midis(tmp_path)
    for name, path in paths.items():
        row, record = inspect_file(("edge", name, str(path), "fast"))
        status, word = EDGE_CASES[name]
        assert row["status"] == status, (name, row["reason"])
        assert word in row["reason"], (name, row["reason"])
        assert (record is not None) == (status == "ok"), name
        assert len(row["sha256"]) == 64 and row["size_bytes"] == path.stat().st_size


def test_statistics(tmp_path):
    paths = write_edge_case_midis(tmp_path)
    rows = {name: inspect_file(("edge", name, str(path), "fast"))[0] for name, path in paths.items()}
    assert json.loads(rows["waltz 3-4.mid"]["time_signatures"]) == ["3/4"]
    assert json.loads(rows["tempo_change.mid"]["tempos"]) == [100.0, 140.0, 90.5]
    assert rows["tempo_change.mid"]["tracks"] == 2
    assert rows["drums_only.mid"]["has_drums"] is True and rows["drums_only.mid"]["programs"] == "[]"
    assert rows["tune.mid"]["has_drums"] is False and rows["tune.mid"]["notes"] == 32
    assert json.loads(rows["Café à l'aube ünïcode.MID"]["programs"]) == [40]
    assert rows["tune.mid"]["duration_s"] == 8.0  # 32 eighth notes at 120 qpm
    assert rows["zero_notes.mid"]["notes"] == 0


def test_note_seq_parser_option_gives_the_same_rows(tmp_path):
    paths = write_edge_case_midis(tmp_path)
    for name, path in paths.items():
        fast = inspect_file(("edge", name, str(path), "fast"))
        reference = inspect_file(("edge", name, str(path), "note_seq"))
        assert fast[1] == reference[1], name
        assert fast[0]["status"] == reference[0]["status"], name


def test_unreadable_file_is_reported(tmp_path):
    row, record = inspect_file(("edge", "gone.mid", str(tmp_path / "gone.mid"), "fast"))
    assert row["status"] == "invalid" and "cannot read file" in row["reason"] and record is None


def test_round_trip_midi_tfrecord_notesequence(tmp_path):
    paths = write_edge_case_midis(tmp_path / "in")
    files = [(name, str(path)) for name, path in paths.items()]
    frame = convert_source("edge", files, [], rows_path=tmp_path / "rows.csv",
                           records_path=tmp_path / "seq.tfrecord", workers=2)
    assert list(frame["path"]) == list(paths)
    back = {sequence.filename: sequence for sequence in read_note_sequences(tmp_path / "seq.tfrecord")}
    valid = [name for name, (status, _) in EDGE_CASES.items() if status == "ok"]
    assert sorted(back) == sorted(valid)
    for name in valid:
        expected = midi_io.midi_file_to_note_sequence(str(paths[name]))
        got = back[name]
        assert got.collection_name == "edge" and got.id.startswith("/id/midi/edge/")
        got.ClearField("id"), got.ClearField("filename"), got.ClearField("collection_name")
        assert got == expected, name


def test_bytes_that_are_not_midi():
    row, _ = inspect_midi(b"RIFF....RMID", source="s", path="x.mid")
    assert row.status == "invalid" and "RIFF" in row.reason


def test_window_columns_come_from_the_converter(tmp_path):
    import pytest

    pytest.importorskip("serenade.melody")
    from serenade.conversion import count_windows

    paths = write_edge_case_midis(tmp_path)
    rows = {name: inspect_file(("edge", name, str(path), "fast"))[0] for name, path in paths.items()}
    assert rows["tune.mid"]["windows_2bar"] == 3  # 4 bars, hop of one bar
    assert rows["tune.mid"]["windows_16bar"] == 0
    assert rows["waltz 3-4.mid"]["windows_2bar"] == 0  # 3/4 yields nothing
    assert rows["drums_only.mid"]["windows_2bar"] == 0
    sequence = midi_io.midi_file_to_note_sequence(str(paths["tempo_change.mid"]))
    assert rows["tempo_change.mid"]["windows_2bar"] == count_windows(sequence, "cat-mel_2bar_small")


def test_window_columns_count_the_drum_windows_of_the_models_configs(tmp_path):
    from serenade.conversion.columns import window_columns
    from serenade.data.manifest import assemble_manifest, summarize
    from testing.fixtures import DRUM_FIXTURES

    columns = window_columns(["cat-mel_2bar_tiny", "cat-drums_2bar_tiny", "cat-drums_2bar_small"])
    assert list(columns) == ["windows_2bar", "windows_16bar", "windows_cat-drums_2bar_tiny"]
    files = [(p.name, str(p)) for p in sorted((DRUM_FIXTURES / "cases").glob("*.mid"))[:6]]
    frame = convert_source("kits", files, [], rows_path=tmp_path / "rows.csv",
                           records_path=tmp_path / "seqs.tfrecord", window_columns=columns)
    counts = dict(zip(frame["path"], frame["windows_cat-drums_2bar_tiny"]))
    assert counts["0_rock.mid"] == 5 and counts["5_waltz_3_4.mid"] == 0
    manifest = assemble_manifest([frame], [{"name": "kits"}], eval_fraction=0.0, train_shards=1,
                                 eval_shards=1, window_columns=columns)
    assert list(manifest.columns).index("windows_cat-drums_2bar_tiny") == \
        list(manifest.columns).index("size_bytes") - 1
    summary = summarize(manifest)
    train = summary[(summary["source"] == "(all)") & (summary["split"] == "train")].iloc[0]
    assert train["windows_cat-drums_2bar_tiny"] == sum(counts.values())


def test_groove_window_columns_count_training_windows_and_say_why_a_kit_gives_none(tmp_path):
    """A GrooVAE config's column counts the windows training draws (Roland TD-11 classes): the
    groove fixture's performances give some, a General MIDI kit with a pitch outside those
    classes gives 0 with the pitch in its reason, and neither stops the other files."""
    from serenade.conversion.columns import window_columns
    from testing.fixtures import DRUM_FIXTURES, PROJECT_MAGENTA_FIXTURES

    columns = window_columns(["groovae_2bar_tiny"])
    assert list(columns) == ["windows_2bar", "windows_16bar", "windows_groovae_2bar_tiny"]
    grooves = sorted((PROJECT_MAGENTA_FIXTURES / "groove" / "cases").glob("*.mid"))
    files = [(p.name, str(p)) for p in [*grooves, DRUM_FIXTURES / "cases" / "6_gaps.mid"]]
    frame = convert_source("mixed", files, [], rows_path=tmp_path / "rows.csv",
                           records_path=tmp_path / "seqs.tfrecord", window_columns=columns)
    rows = frame.set_index("path")
    assert (rows["status"] == "ok").all()
    assert rows.loc["0_funk_97.mid", "windows_groovae_2bar_tiny"] == 4
    assert rows.loc["4_waltz_3_4.mid", "windows_groovae_2bar_tiny"] == 0  # 3/4: no window
    assert rows.loc["6_gaps.mid", "windows_groovae_2bar_tiny"] == 0
    reason = rows.loc["6_gaps.mid", "reason"]
    assert "windows_groovae_2bar_tiny is 0" in reason and "pitch 39" in reason, reason
    assert "windows_groovae_2bar_tiny" not in str(rows.loc["0_funk_97.mid", "reason"])
