"""Resume store: atomic saves, keep-K, damaged and non-finite checkpoints, run id, completion
mark, training key."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from serenade.training.resume import ResumeError, ResumeStore, training_key


def _state(step):
    return {"a/kernel": np.full((2, 3), step, np.float32)}, [np.asarray(step), np.ones(4) * step]


def test_save_keeps_newest_k_and_loads_latest(tmp_path):
    store = ResumeStore(tmp_path / "run", keep=2)
    assert store.latest() is None and store.steps() == []
    for step in (10, 20, 30):
        store.save(step, *_state(step))
    assert store.steps() == [20, 30]
    step, model, optimizer = store.load()
    assert step == 30
    np.testing.assert_array_equal(model["a/kernel"], np.full((2, 3), 30))
    assert int(optimizer[0]) == 30 and optimizer[1].tolist() == [30.0] * 4
    assert store.load(20)[0] == 20


def test_partial_write_is_ignored(tmp_path):
    store = ResumeStore(tmp_path, keep=3)
    store.save(5, *_state(5))
    # what a kill during np.savez leaves behind: a temporary file, never a ckpt-*.npz
    (tmp_path / ".ckpt-000000010.npz.123.tmp").write_bytes(b"partial")
    assert store.latest() == 5


@pytest.mark.parametrize("keep_bytes", [0, 100, -40])  # empty, cut in its header, cut at the end
def test_a_damaged_newest_checkpoint_falls_back_to_the_newest_readable(tmp_path, caplog,
                                                                          keep_bytes):
    store = ResumeStore(tmp_path, keep=3)
    for step in (10, 20, 30):
        store.save(step, *_state(step))
    data = store.path(30).read_bytes()
    store.path(30).write_bytes(data[:keep_bytes])
    with caplog.at_level(logging.WARNING, logger="serenade.training"):
        step, model, _ = store.load_newest_readable()
    assert step == 20 and model["a/kernel"].max() == 20
    assert "ckpt-000000030.npz is damaged" in caplog.text
    assert "resuming from " in caplog.text and "ckpt-000000020.npz, the newest readable" in caplog.text
    assert store.steps() == [10, 20] and (tmp_path / "ckpt-000000030.npz.damaged").is_file()


def test_no_readable_checkpoint_starts_afresh_and_says_so(tmp_path, caplog):
    store = ResumeStore(tmp_path, keep=3)
    assert store.load_newest_readable() is None
    store.save(10, *_state(10))
    store.path(10).write_bytes(b"PK\x03\x04 cut")
    with caplog.at_level(logging.WARNING, logger="serenade.training"):
        assert store.load_newest_readable() is None
    assert "training starts afresh" in caplog.text


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_checkpoint_with_non_finite_weights_is_refused(tmp_path, bad):
    store = ResumeStore(tmp_path, keep=3)
    store.save(10, *_state(10))
    model, optimizer = _state(20)
    model["a/kernel"][1, 2] = bad
    store.save(20, model, optimizer)
    with pytest.raises(ResumeError, match=r"ckpt-000000020.npz holds non-finite weights "
                                          r"\(NaN or inf in model/a/kernel\)"):
        store.load_newest_readable()
    assert store.steps() == [10, 20]  # nothing moved: the user decides


def test_run_id_completion_and_clear(tmp_path):
    store = ResumeStore(tmp_path / "r")
    assert store.read_run_id() is None and not store.is_complete()
    store.write_run_id("abc123")
    store.save(1, *_state(1))
    store.mark_complete()
    assert store.read_run_id() == "abc123" and store.is_complete()
    store.clear()
    assert store.read_run_id() is None and not store.is_complete() and store.latest() is None
    with pytest.raises(ValueError):
        ResumeStore(tmp_path, keep=0)


def test_training_key_is_stable_and_sensitive():
    a = training_key({"steps": 10, "config": "x", "hparams": "z_size=4"})
    assert a == training_key({"hparams": "z_size=4", "config": "x", "steps": 10})
    assert a != training_key({"steps": 11, "config": "x", "hparams": "z_size=4"})
    assert len(a) == 12
