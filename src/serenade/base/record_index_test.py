"""The disk-backed record index reads exactly what `read_serialized` loads."""

from __future__ import annotations

import pickle
from concurrent.futures import ThreadPoolExecutor

import pytest
from note_seq import midi_io

from serenade.base import tfrecords
from serenade.base.record_index import RecordIndex
from serenade.paths import MAGENTA_FIXTURES


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    records = [midi_io.midi_file_to_note_sequence(str(p)).SerializeToString()
               for p in sorted(MAGENTA_FIXTURES.glob("cat-mel_2bar_small/cases/*.mid"))]
    folder = tmp_path_factory.mktemp("shards")
    paths = [folder / "a.tfrecord", folder / "empty.tfrecord", folder / "b.tfrecord"]
    tfrecords.write_records(paths[0], records[:5])
    tfrecords.write_records(paths[1], [])
    tfrecords.write_records(paths[2], records[5:] + [b""])
    return paths


def test_index_reads_every_record_as_read_serialized(shards):
    loaded = tfrecords.read_serialized(shards)
    index = RecordIndex.scan(shards)
    assert len(index) == len(loaded) == 13 and index.nbytes <= 16 * len(index) + 64
    assert [index[i] for i in range(len(index))] == loaded
    assert list(index) == loaded and index[-1] == b"" and index[2:4] == loaded[2:4]
    assert [index[i] for i in (12, 0, 7, 3)] == [loaded[i] for i in (12, 0, 7, 3)]
    again = pickle.loads(pickle.dumps(index))
    assert again[6] == loaded[6] and len(pickle.dumps(index)) < 2000
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(index.__getitem__, range(13))) == loaded
    with pytest.raises(IndexError):
        index[13]


def test_damaged_or_missing_files_are_named(shards, tmp_path):
    with pytest.raises(tfrecords.DataError, match="missing.tfrecord"):
        RecordIndex.scan([tmp_path / "missing.tfrecord"])
    data = shards[0].read_bytes()
    for name, damaged in [("cut", data[:-3]), ("flipped", data[:40] + b"?" + data[41:])]:
        path = tmp_path / f"{name}.tfrecord"
        path.write_bytes(damaged)
        with pytest.raises(tfrecords.DataError, match=f"{name}.tfrecord"):
            RecordIndex.scan([path])
    # Without checking the data's checksum a flipped byte goes through; a cut file never does.
    assert len(RecordIndex.scan([tmp_path / "flipped.tfrecord"], verify=False)) == 5
    with pytest.raises(tfrecords.DataError, match="truncated"):
        RecordIndex.scan([tmp_path / "cut.tfrecord"], verify=False)
