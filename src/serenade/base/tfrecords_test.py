"""TFRecord IO without TensorFlow, checked against TensorFlow's own reader and writer."""

from __future__ import annotations

import hashlib

import pytest
from note_seq import midi_io

from serenade.base import tfrecords
from serenade.paths import MAGENTA_FIXTURES


def _fixture_sequences():
    sequences = []
    for path in sorted(MAGENTA_FIXTURES.glob("cat-mel_2bar_small/cases/*.mid")):
        sequence = midi_io.midi_file_to_note_sequence(str(path))
        tfrecords.label_sequence(sequence, path.name, "fixtures")
        sequences.append(sequence)
    return sequences


def test_crc32c_known_values():
    assert tfrecords.crc32c(b"123456789") == 0xE3069283
    assert tfrecords.crc32c(b"") == 0
    assert tfrecords.crc32c(bytes(32)) == 0x8A9136AA  # RFC 3720 test vector


def test_magenta_sequence_id():
    expected = "/id/midi/folk/" + hashlib.sha1("sub/tune é.mid".encode()).hexdigest()
    assert tfrecords.note_sequence_id("sub/tune é.mid", "folk") == expected


def test_tensorflow_reads_what_we_write(tmp_path):
    tf = pytest.importorskip("tensorflow")
    sequences = _fixture_sequences()
    path = tmp_path / "x.tfrecord"
    assert tfrecords.write_note_sequences(path, sequences) == len(sequences)
    read = [bytes(record.numpy()) for record in tf.data.TFRecordDataset(str(path))]
    assert read == [sequence.SerializeToString() for sequence in sequences]


def test_we_read_what_tensorflow_writes(tmp_path):
    tf = pytest.importorskip("tensorflow")
    sequences = _fixture_sequences()
    path = tmp_path / "tf.tfrecord"
    with tf.io.TFRecordWriter(str(path)) as writer:
        for sequence in sequences:
            writer.write(sequence.SerializeToString())
    again = list(tfrecords.read_note_sequences([path]))
    assert again == sequences
    assert again[0].id.startswith("/id/midi/fixtures/") and again[0].collection_name == "fixtures"


def test_reader_accepts_globs_and_detects_damage(tmp_path):
    sequences = _fixture_sequences()
    tfrecords.write_note_sequences(tmp_path / "train-00000-of-00002.tfrecord", sequences[:5])
    tfrecords.write_note_sequences(tmp_path / "train-00001-of-00002.tfrecord", sequences[5:])
    assert list(tfrecords.read_note_sequences(str(tmp_path / "train-*.tfrecord"))) == sequences
    damaged = bytearray((tmp_path / "train-00000-of-00002.tfrecord").read_bytes())
    damaged[40] ^= 0xFF
    (tmp_path / "bad.tfrecord").write_bytes(bytes(damaged))
    with pytest.raises(ValueError, match="checksum"):
        list(tfrecords.read_note_sequences(tmp_path / "bad.tfrecord"))
    (tmp_path / "cut.tfrecord").write_bytes(bytes(damaged[:-3]))
    with pytest.raises(ValueError, match="truncated"):
        list(tfrecords.read_records(tmp_path / "cut.tfrecord", verify=False))


def test_empty_file_has_no_records(tmp_path):
    tfrecords.write_records(tmp_path / "empty.tfrecord", [])
    assert list(tfrecords.read_note_sequences(tmp_path / "empty.tfrecord")) == []
