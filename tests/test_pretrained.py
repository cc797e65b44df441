"""The model that ships with Serenade: it loads, it is small, it reconstructs melodies it never
saw, and it never trained on a piece of the default run's eval split."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io

import numpy as np
import pytest

from serenade.config import load_config
from serenade.data.split import split_for
from serenade.models.checkpoint import load_model, read_checkpoint
from serenade.models.pretrained import resolve
from serenade.paths import REPO_ROOT

NAME = "serenade_mel_2bar"
REFERENCE = f"pretrained:{NAME}"


def _training_files() -> list[dict]:
    with gzip.open(resolve(REFERENCE) / "training-data.csv.gz", "rt") as handle:
        return list(csv.DictReader(io.StringIO(handle.read())))


def test_shipped_model_is_small_float16_and_loads_as_float32():
    folder = resolve(REFERENCE)
    assert sum(p.stat().st_size for p in folder.iterdir()) < 25e6
    variables, metadata = read_checkpoint(folder)
    assert metadata["config"] == "cat-mel_2bar_small" and metadata["global_step"] > 5000
    assert variables["decoder/output_projection/kernel"].dtype == np.float16
    model = load_model(REFERENCE)
    assert model.config.hparams.enc_rnn_size == [256]
    weight = model.magenta_variables()["decoder/output_projection/kernel"]
    assert weight.dtype == "float32"
    assert np.array_equal(weight.numpy(), variables["decoder/output_projection/kernel"])


def test_training_files_would_land_in_train_for_any_run_with_the_default_eval_fraction():
    rows = _training_files()
    assert len(rows) > 5000
    fraction = load_config(REPO_ROOT / "config" / "config.yaml")["data"]["eval_fraction"]
    pretrain = load_config(REPO_ROOT / "config" / "pretrain.yaml")["data"]["eval_fraction"]
    assert pretrain >= fraction  # the header of config/pretrain.yaml says why
    assert all(split_for(row["sha256"], fraction) == "train" for row in rows)


def test_reconstructs_a_held_out_collection(tmp_path):
    """Aird's Airs are in neither the shipped model's corpus nor the default run's."""
    from serenade.generation.quality import reconstruction_figures
    from serenade.conversion.parallel import windows_for_files
    from serenade.sources.music21_corpus import export_corpus

    listing = export_corpus("airds", {"include": ["airdsAirs/book1.abc"]}, tmp_path, workers=1)
    found = windows_for_files([entry["file"] for entry in listing.files], "cat-mel_2bar_small", workers=1)
    windows = np.concatenate([f.windows for f in found if len(f.windows)]).astype(np.int32)
    assert len(windows) > 100
    figures, _ = reconstruction_figures(load_model(REFERENCE), windows)
    # docs/pretrained.md reports the whole collection; this is a floor well below it.
    assert figures["onset_accuracy"] > 0.6
    assert figures["accuracy"] > 0.85 > figures["no_event_baseline"]


@pytest.mark.slow
def test_no_piece_of_the_default_eval_split_was_trained_on(tmp_path):
    from serenade.sources.music21_corpus import export_corpus

    config = load_config(REPO_ROOT / "config" / "config.yaml")
    trained = {row["sha256"] for row in _training_files()}
    eval_hashes, train_hashes = set(), set()
    for source in config["sources"]:
        listing = export_corpus(source["name"], source["music21"], tmp_path / source["name"],
                                workers=2)
        for entry in listing.files:
            with open(entry["file"], "rb") as handle:
                digest = hashlib.sha256(handle.read()).hexdigest()
            split = split_for(digest, config["data"]["eval_fraction"])
            (eval_hashes if split == "eval" else train_hashes).add(digest)
    assert len(eval_hashes) > 20
    assert not eval_hashes & trained
    # The hashes are comparable (same export, same bytes): the default run's training pieces
    # are in the shipped model's corpus.
    assert len(train_hashes & trained) > 0.9 * len(train_hashes)
