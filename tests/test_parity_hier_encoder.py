"""hier-* checkpoints (hierarchical encoder and decoder) made by magenta's own code load and
give magenta's numbers.

Fixtures: tests/fixtures/magenta/hier-{mel,trio}_16bar-tiny (see the README there), recorded
with magenta's TrainedModel on its checkpoint. The checks are test_family_parity's, run on
these folders through its fixtures (`model`, `expected`) with this module's `config`/`folder`.
"""

from __future__ import annotations

import numpy as np
import pytest
import test_family_parity as family
from test_family_parity import expected, model  # noqa: F401  (fixtures, over our folders)

from serenade.models.checkpoint import (CheckpointMismatchError, infer_architecture, load_model,
                                        read_checkpoint)

from testing.fixtures import PROJECT_MAGENTA_FIXTURES

FIXTURES = {"hier-mel_16bar": "hier-mel_16bar-tiny", "hier-trio_16bar": "hier-trio_16bar-tiny"}


@pytest.fixture(scope="module", params=sorted(FIXTURES))
def config(request):
    return request.param


@pytest.fixture(scope="module")
def folder(config):
    return PROJECT_MAGENTA_FIXTURES / FIXTURES[config]


def test_directory_prefix_and_tar_load_the_same_weights(model, folder, config):  # noqa: F811
    family.test_bundle_forms_load_the_same_weights(model, folder, config)
    assert model.config.encoder_level_lengths == (16, 16)


def test_mu_sigma_logits_and_greedy_decodes_match_magenta(model, expected):  # noqa: F811
    family.test_mu_sigma_logits_and_greedy_decodes_match_magenta(model, expected)


def test_interpolations_match_magenta(model, expected):  # noqa: F811
    family.test_interpolations_match_magenta(model, expected)


def test_layer_sizes_and_structure_come_from_the_checkpoint(folder, config):
    variables, _ = read_checkpoint(folder / "checkpoint")
    arch = infer_architecture(variables)
    assert arch["hierarchical_encoder"] and arch["hierarchical"]
    model = load_model(folder / f"{config}.tar", config)  # sizes from the variables alone
    assert model.config.hparams.enc_rnn_size == arch["enc_rnn_size"]
    assert model.z_size == arch["z_size"]
    flat_encoder = config.replace("hier-", "hierdec-")
    with pytest.raises(CheckpointMismatchError,
                       match="encoder/hierarchical_level_1/cell_0/bidirectional_rnn"):
        load_model(folder / "checkpoint", flat_encoder)


def test_the_encoders_output_matches_magenta(model, expected):  # noqa: F811
    """The hierarchical encoder's output (what the mu and sigma layers read), recorded from
    magenta's graph: a check of the encoder that a briefly trained model's small mu kernel
    cannot blur."""
    for case in family._cases(expected):
        window = expected[f"case{case}_windows"][:1].astype(np.int32)
        np.testing.assert_allclose(model.encoder(window).numpy()[0],
                                   expected[f"case{case}_encoding"], atol=1e-5)


def test_bars_encoded_one_by_one_give_magentas_encoding(model, expected):  # noqa: F811
    """magenta encodes each bar alone at level 0 and reads the 16 bar encodings in order at
    level 1: the same levels, called bar by bar, give its encoding."""
    case = family._cases(expected)[0]
    window = expected[f"case{case}_windows"][:1].astype(np.int32)
    levels = model.encoder.levels
    bars = np.stack([levels[0](window[:, 16 * b:16 * (b + 1)]).numpy() for b in range(16)], 1)
    np.testing.assert_allclose(levels[1](bars).numpy()[0], expected[f"case{case}_encoding"],
                               atol=1e-5)
    reversed_bars = levels[1](bars[:, ::-1]).numpy()[0]
    assert np.abs(reversed_bars - expected[f"case{case}_encoding"]).max() > 1e-3
