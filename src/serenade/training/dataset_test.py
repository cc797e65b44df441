"""Input pipeline on real MIDI (magenta fixture cases) written to a real TFRecord."""

from __future__ import annotations

import numpy as np
import pytest

from serenade.base.record_index import RecordIndex
from serenade.conversion import converter_for_config
from serenade.training import dataset

from testing.fixtures import fixture_note_sequences
from testing.music_files import write_note_sequence_tfrecord


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    folder, sequences = tmp_path_factory.mktemp("tfr"), fixture_note_sequences()
    return [write_note_sequence_tfrecord(folder / "train.tfrecord", sequences[:7]),
            write_note_sequence_tfrecord(folder / "train-2.tfrecord", sequences[7:])]


@pytest.fixture(scope="module")
def records(shards):
    return dataset.read_serialized(shards)


@pytest.fixture(scope="module")
def converter():
    return converter_for_config("cat-mel_2bar_small")


def _take(ds, n):
    return [batch.numpy() for batch in ds.take(n)]


def test_batches_have_shape_dtype_and_valid_events(records, converter):
    assert len(records) == 12
    batches = _take(dataset.training_dataset(records, converter, batch_size=8, seed=1), 5)
    for batch in batches:
        assert batch.shape == (8, 32) and batch.dtype == np.int32
        assert batch.min() >= 0 and batch.max() < 90


def test_same_seed_repeats_and_other_seed_differs(records, converter):
    first = _take(dataset.training_dataset(records, converter, batch_size=8, seed=3), 6)
    again = _take(dataset.training_dataset(records, converter, batch_size=8, seed=3), 6)
    other = _take(dataset.training_dataset(records, converter, batch_size=8, seed=4), 6)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))


def test_records_indexed_on_disk_give_the_batches_and_eval_windows_of_loaded_ones(
        shards, records, converter):
    index = RecordIndex.scan(shards)
    loaded = _take(dataset.training_dataset(records, converter, batch_size=8, seed=5), 30)
    streamed = _take(dataset.training_dataset(index, converter, batch_size=8, seed=5), 30)
    assert all(np.array_equal(a, b) for a, b in zip(loaded, streamed))
    np.testing.assert_array_equal(dataset.windows_per_record(index, converter),
                                  dataset.windows_per_record(records, converter))
    for cap in (None, 10):
        np.testing.assert_array_equal(
            dataset.eval_windows(index, converter, max_windows=cap, seed=2),
            dataset.eval_windows(records, converter, max_windows=cap, seed=2))
    assert isinstance(dataset.TrainingWindows(index, converter).records, RecordIndex)


def test_augmentation_is_fresh_every_epoch(records, converter):
    # One sequence, many epochs: a cached pipeline (magenta's) would repeat the first epoch's
    # <= 5 windows forever; a fresh one transposes and re-draws them each epoch.
    counts = dataset.windows_per_record(records, converter)
    rich = int(np.argmax(counts))
    assert counts[rich] > 5
    stream = dataset.training_dataset([records[rich]], converter, batch_size=5, seed=0)
    windows = np.concatenate(_take(stream, 40))
    distinct = {tuple(row) for row in windows}
    assert len(distinct) > 20
    # Transposition shows up as note-on classes outside the untransposed windows' range.
    plain = converter.to_windows(dataset._parse(records[rich], rich))
    notes = lambda w: w[w >= 2]
    assert notes(windows).min() < notes(plain).min() or notes(windows).max() > notes(plain).max()


def test_kept_conversions_draw_exactly_what_fresh_conversion_draws(records, converter):
    source = dataset.TrainingWindows(records, converter)
    for epoch in range(3):
        for index in range(len(records)):
            kept = source.draw(index, np.random.default_rng([7, epoch, index]))
            fresh = converter.to_windows(dataset._parse(records[index], index), training=True,
                                         rng=np.random.default_rng([7, epoch, index]))
            assert np.array_equal(kept, fresh), (epoch, index)
    assert source.cached_bytes > 0
    # Past the bound nothing more is kept, and draws stay the same.
    bounded = dataset.TrainingWindows(records, converter, max_cached_bytes=0)
    for index in range(len(records)):
        rng_a, rng_b = np.random.default_rng([1, index]), np.random.default_rng([1, index])
        assert np.array_equal(bounded.draw(index, rng_a), source.draw(index, rng_b))
    assert bounded.cached_bytes == 0


def test_without_transposition_every_draw_is_an_inference_window(records, converter):
    plain = converter.with_transposition(None)
    known = {tuple(row) for i, r in enumerate(records)
             for row in converter.to_windows(dataset._parse(r, i))}
    drawn = np.concatenate(_take(dataset.training_dataset(records, plain, batch_size=8, seed=2), 20))
    assert {tuple(row) for row in drawn} <= known
    augmented = np.concatenate(_take(dataset.training_dataset(records, converter, batch_size=8,
                                                              seed=2), 20))
    assert not {tuple(row) for row in augmented} <= known


def test_resume_stream_seed_is_step_derived_and_repeatable(records, converter):
    assert dataset.stream_seed(7, 0) == 7
    assert dataset.stream_seed(7, 100) == dataset.stream_seed(7, 100) != 7
    assert dataset.stream_seed(7, 100) != dataset.stream_seed(7, 200)
    resumed = lambda: _take(dataset.training_dataset(records, converter, batch_size=8, seed=7,
                                                     start_step=100), 3)
    fresh = _take(dataset.training_dataset(records, converter, batch_size=8, seed=7), 3)
    a, b = resumed(), resumed()
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not all(np.array_equal(x, y) for x, y in zip(a, fresh))


def test_eval_windows_are_inference_windows_and_capped_deterministically(records, converter):
    everything = dataset.eval_windows(records, converter)
    expected = np.concatenate([converter.to_windows(dataset._parse(r, i))
                               for i, r in enumerate(records)
                               if len(converter.to_windows(dataset._parse(r, i)))])
    np.testing.assert_array_equal(everything, expected.astype(np.int32))
    capped = dataset.eval_windows(records, converter, max_windows=10, seed=5)
    assert capped.shape == (10, 32)
    np.testing.assert_array_equal(capped, dataset.eval_windows(records, converter,
                                                               max_windows=10, seed=5))
    assert {tuple(r) for r in capped} <= {tuple(r) for r in everything}
    sizes = [len(b) for b in dataset.batches(everything, 16)]
    assert sum(sizes) == len(everything) and max(sizes) == 16


def test_bad_inputs_name_the_file(tmp_path, converter, records):
    with pytest.raises(dataset.DataError, match="missing.tfrecord"):
        dataset.read_serialized([tmp_path / "missing.tfrecord"])
    broken = tmp_path / "broken.tfrecord"
    broken.write_bytes(b"this is not a tfrecord file at all, just bytes" * 3)
    with pytest.raises(dataset.DataError, match="broken.tfrecord"):
        dataset.read_serialized([broken])
    with pytest.raises(dataset.DataError, match="empty"):
        dataset.training_dataset([], converter, batch_size=4, seed=0)
    empty = [r for i, r in enumerate(records)
             if not len(converter.to_windows(dataset._parse(r, i)))]
    assert empty  # some fixture cases yield no 2-bar window
    with pytest.raises(dataset.DataError, match="train.tfrecord: none of the"):
        dataset.require_windows(empty, converter, "train.tfrecord")
    dataset.require_windows(records, converter, "train.tfrecord")
