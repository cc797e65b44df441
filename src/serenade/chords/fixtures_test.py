"""The tiny chord-conditioned model fixture (magenta-trained cat-mel_2bar_med_chords) agrees
with our converter; checkpoint parity itself belongs to the model code."""

import json
import tarfile

import numpy as np
import pytest
from note_seq import midi_io
from note_seq.protobuf import music_pb2

from serenade.conversion import converter_for_config
from serenade.paths import REPO_ROOT

FOLDER = REPO_ROOT / "tests" / "fixtures" / "magenta" / "cat-mel_2bar_med_chords-tiny"
CHORD_SYMBOL = music_pb2.NoteSequence.TextAnnotation.CHORD_SYMBOL
pytestmark = pytest.mark.skipif(not FOLDER.is_dir(), reason="fixture not present")


def info():
    return json.loads((FOLDER / "fixture.json").read_text())


def load(case):
    sequence = midi_io.midi_file_to_note_sequence(str(FOLDER / case["midi"]))
    if case["chords"]:
        chords = json.loads((FOLDER / "cases" / "chords.json").read_text())
        for time, text in chords[case["midi"].split("/")[-1]]:
            sequence.text_annotations.add(time=time, text=text, annotation_type=CHORD_SYMBOL)
    return sequence


def test_fixture_is_complete_and_small():
    record = info()
    assert sum(p.stat().st_size for p in FOLDER.rglob("*") if p.is_file()) < 2_000_000
    assert record["control_depth"] == 49 and record["parts"] == [90]
    with tarfile.open(FOLDER / record["bundle"]) as bundle:
        assert len(bundle.getnames()) == 2
    assert "decoder/output_projection/kernel" in record["variables"]


def test_fixture_windows_and_controls_are_ours():
    record = info()
    converter = converter_for_config(record["config"])
    with np.load(FOLDER / "expected.npz") as expected:
        for k, case in enumerate(record["cases"]):
            events, chords = converter.to_windows(load(case))
            assert len(events) == case["num_windows"]
            if case["num_windows"]:
                want = {(tuple(e), tuple(c)) for e, c in zip(
                    expected[f"case{k}_windows"].tolist(), expected[f"case{k}_controls"].tolist())}
                assert {(tuple(e), tuple(c)) for e, c in zip(events.tolist(),
                                                             chords.tolist())} == want


def test_checkpoint_holds_the_listed_variables():
    tf = pytest.importorskip("tensorflow")
    record = info()
    reader = tf.train.load_checkpoint(str(FOLDER / record["checkpoint"]))
    assert {k: list(v) for k, v in reader.get_variable_to_shape_map().items()} == \
        record["variables"]
