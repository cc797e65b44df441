"""Decoding in bfloat16 (`generate.precision`, `--precision`) on real checkpoints: the same
music as float32 up to bfloat16's rounding, chosen where the settings say."""

from __future__ import annotations

import numpy as np
import pytest

from serenade.generation.jobs.context import JobContext
from serenade.models import pretrained
from serenade.models.checkpoint import load_model
from serenade.paths import MAGENTA_FIXTURES

MAGENTA_2BAR = MAGENTA_FIXTURES / "cat-mel_2bar_small" / "checkpoint"


@pytest.mark.parametrize("checkpoint, config", [
    (MAGENTA_2BAR, "cat-mel_2bar_small"),
    (pretrained.resolve("pretrained:serenade_mel_16bar"), None)])
def test_bfloat16_decoding_gives_float32s_music_up_to_rounding(checkpoint, config):
    """Greedy decodes of the same z: at least 98% of the events equal (a near-tie may flip one
    and the rest of its window follows), first-step logits within two bfloat16 units in the last
    place at the scale of their row (bfloat16 keeps 8 significant bits: near 24 its spacing is
    0.125, and a product's error follows the size of its terms, not of its result)."""
    model = load_model(str(checkpoint), config)
    z = np.random.default_rng(0).standard_normal((64, model.z_size)).astype(np.float32)
    events32, logits32 = model.decode(z, 0.0, seed=1)
    assert model.use_decoding_precision("mixed_bfloat16").compute_dtype == "bfloat16"
    events16, logits16 = model.decode(z, 0.0, seed=1)
    assert (events16 == events32).mean() >= 0.98
    first = np.abs(logits16[:, 0] - logits32[:, 0])
    scale = np.abs(logits32[:, 0]).max(axis=-1, keepdims=True)  # each row's largest logit
    ulps = 2.0 ** -7 * np.maximum(scale, 1.0)  # bfloat16's spacing at that size
    assert first.max() > 0 and np.all(first <= 2 * ulps)  # rounded, and only that
    samples16, _ = model.decode(z, 0.5, seed=2)  # sampling draws as float32's does
    model.use_decoding_precision("float32")
    samples32, _ = model.decode(z, 0.5, seed=2)
    assert (samples16 == samples32).mean() >= 0.9


def test_the_workflows_precision_reaches_the_generation_jobs_model():
    for requested, dtype in (("mixed_bfloat16", "bfloat16"), ("float32", "float32"),
                             ("mixed_float16", "float32")):
        ctx = JobContext("fixture", "cat-mel_2bar_small", MAGENTA_2BAR, "unused",
                         precision=requested)
        assert ctx.load_model().decoding.compute_dtype == dtype
