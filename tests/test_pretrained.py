"""The models that ship with Serenade: each loads, is small, reconstructs melodies it never saw,
and never trained on a piece of the default run's eval split."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
from typing import NamedTuple

import numpy as np
import pytest

from serenade.config import load_config
from serenade.data.split import split_for
from serenade.models.checkpoint import load_model, read_checkpoint
from serenade.models.pretrained import resolve
from serenade.paths import REPO_ROOT

class Shipped(NamedTuple):
    name: str
    config: str
    recipe: str  # config/RECIPE, the pretraining run's workflow config
    max_bytes: float
    min_step: int
    encoder: list[int]
    # floors well below docs/pretrained.md's figures on Aird's Airs (book 1); None while the
    # model is still being pretrained (docs/pretrained.md lists its segments)
    min_onset_accuracy: float | None
    min_accuracy: float | None
    # shipped with the sampling prior fitted to its training windows (`tools/ship_pretrained.py
    # --from-resume`; the default run samples mel_16bar from its fine-tune's own)
    fitted_prior: bool = False


SHIPPED = [Shipped("serenade_mel_2bar", "cat-mel_2bar_small", "pretrain.yaml", 25e6, 5000, [256],
                   0.6, 0.85),
           Shipped("serenade_mel_16bar", "hier-mel_16bar_2bar_units", "pretrain_16bar.yaml", 40e6, 11000,
                   [256], 0.45, 0.7, fitted_prior=True)]
MODELS = pytest.mark.parametrize("shipped", SHIPPED, ids=[s.name for s in SHIPPED])
TRAINED = pytest.mark.parametrize("shipped", [s for s in SHIPPED if s.min_accuracy is not None],
                                  ids=[s.name for s in SHIPPED if s.min_accuracy is not None])


def _training_files(shipped: Shipped) -> list[dict]:
    with gzip.open(resolve(f"pretrained:{shipped.name}") / "training-data.csv.gz", "rt") as handle:
        return list(csv.DictReader(io.StringIO(handle.read())))


@MODELS
def test_shipped_model_is_small_float16_and_loads_as_float32(shipped):
    reference = f"pretrained:{shipped.name}"
    folder = resolve(reference)
    assert sum(p.stat().st_size for p in folder.iterdir()) < shipped.max_bytes
    variables, metadata = read_checkpoint(folder)
    assert metadata["config"] == shipped.config and metadata["global_step"] >= shipped.min_step
    assert variables["encoder/mu/kernel"].dtype == np.float16
    model = load_model(reference)
    assert model.config.hparams.enc_rnn_size == shipped.encoder
    weight = model.magenta_variables()["encoder/mu/kernel"]
    assert weight.dtype == "float32"
    assert np.array_equal(weight.numpy(), variables["encoder/mu/kernel"])
    if shipped.fitted_prior:
        assert model.latent_prior is not None and model.latent_prior.windows >= 1000
        assert np.isfinite(model.latent_prior.scale_tril).all()


@MODELS
def test_training_files_would_land_in_train_for_any_run_with_the_default_eval_fraction(shipped):
    rows = _training_files(shipped)
    assert len(rows) > 5000
    fraction = load_config(REPO_ROOT / "config" / "config.yaml")["data"]["eval_fraction"]
    pretrain = load_config(REPO_ROOT / "config" / shipped.recipe)["data"]["eval_fraction"]
    assert pretrain >= fraction  # the header of the recipe says why
    assert all(split_for(row["sha256"], fraction) == "train" for row in rows)
    held_out = [row["path"] for row in rows if "airdsAirs" in row["path"]
                or "/erk" in row["path"] or row["path"].startswith("erk")]
    assert not held_out


@TRAINED
def test_reconstructs_a_held_out_collection(shipped, tmp_path):
    """Aird's Airs are in neither a shipped model's corpus nor the default run's."""
    from serenade.generation.quality import reconstruction_figures
    from serenade.conversion.parallel import windows_for_files
    from serenade.sources.music21_corpus import export_corpus

    listing = export_corpus("airds", {"include": ["airdsAirs/book1.abc"]}, tmp_path, workers=1)
    found = windows_for_files([entry["file"] for entry in listing.files], shipped.config, workers=1)
    windows = np.concatenate([f.windows for f in found if len(f.windows)]).astype(np.int32)
    assert len(windows) > 20
    figures, _ = reconstruction_figures(load_model(f"pretrained:{shipped.name}"), windows)
    assert figures["onset_accuracy"] > shipped.min_onset_accuracy
    assert figures["accuracy"] > shipped.min_accuracy > figures["no_event_baseline"]


@pytest.mark.slow
@MODELS
def test_no_piece_of_the_default_eval_split_was_trained_on(shipped, tmp_path):
    from serenade.sources.music21_corpus import export_corpus

    config = load_config(REPO_ROOT / "config" / "config.yaml")
    trained = {row["sha256"] for row in _training_files(shipped)}
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
