"""Parity with magenta on the shared fixtures, and checkpoint loading/saving."""

import json
import tarfile

import numpy as np
import pytest
import tensorflow as tf

from serenade.models.checkpoint import (CheckpointMismatchError, infer_architecture, load_model,
                                        read_checkpoint, save_model)
from serenade.models.interpolation import interpolate

from testing.fixtures import magenta_fixture

# fixture folder -> config name to build it with
FIXTURES = {"cat-mel_2bar_small": "cat-mel_2bar_small", "hierdec-mel_16bar-tiny": "hierdec-mel_16bar"}


@pytest.fixture(scope="module", params=sorted(FIXTURES))
def fixture(request):
    info = magenta_fixture(request.param)
    info["config_name"] = FIXTURES[request.param]
    info["expected"] = dict(np.load(info["folder"] / "expected.npz"))
    info["model"] = load_model(info["folder"] / "checkpoint", info["config_name"], info["hparam_arch"])
    return info


def cases_with_windows(info):
    return [k for k, case in enumerate(info["cases"]) if case["num_windows"] > 0]


def test_every_case_matches_magenta(fixture):
    model, expected = fixture["model"], fixture["expected"]
    cases = cases_with_windows(fixture)
    assert len(cases) >= 6
    windows = np.stack([expected[f"case{k}_windows"][0] for k in cases])
    _, mu, sigma = model.encode(windows)
    events, logits = model.decode(mu, temperature=0.0)
    teacher = model.decoder.logits(tf.constant(mu), tf.constant(events.astype(np.int32))).numpy()
    for row, k in enumerate(cases):
        assert np.abs(mu[row] - expected[f"case{k}_mu"]).max() < 1e-4
        assert np.abs(sigma[row] - expected[f"case{k}_sigma"]).max() < 1e-4
        np.testing.assert_array_equal(events[row], expected[f"case{k}_greedy_from_mu"])
        assert np.abs(logits[row] - expected[f"case{k}_greedy_logits"]).max() < 1e-3
        # the Keras (training) path gives the same logits when fed the greedy events
        assert np.abs(teacher[row] - expected[f"case{k}_greedy_logits"]).max() < 1e-3


def test_interpolations_match_magenta(fixture):
    model, expected = fixture["model"], fixture["expected"]
    for a, b in fixture["interpolations"]:
        want_z = expected[f"interp_{a}_{b}_z"]
        if np.isnan(want_z).any():
            continue  # magenta's own slerp gave NaN here; see interpolation_test
        events, _ = model.decode(want_z, temperature=0.0)
        np.testing.assert_array_equal(events, expected[f"interp_{a}_{b}_greedy"])
        ours = interpolate(expected[f"case{a}_mu"], expected[f"case{b}_mu"], 5, "slerp")
        np.testing.assert_array_equal(model.decode(ours, 0.0)[0], expected[f"interp_{a}_{b}_greedy"])


def test_tar_bundle_and_prefix_load_the_same_weights(fixture):
    reference = fixture["model"].numpy_weights()
    prefix = fixture["folder"] / fixture["checkpoint"]
    for source in (fixture["folder"] / fixture["bundle"], prefix):
        model = load_model(source, fixture["config_name"], fixture["hparam_arch"])
        weights = model.numpy_weights()
        assert weights.keys() == reference.keys()
        for name in weights:
            np.testing.assert_array_equal(weights[name], reference[name])


def test_layer_sizes_come_from_the_checkpoint():
    info = magenta_fixture("hierdec-mel_16bar-tiny")
    model = load_model(info["folder"] / "hierdec-mel_16bar.tar", "hierdec-mel_16bar")  # no hparams
    assert model.config.hparams.enc_rnn_size == [96, 96]
    assert model.config.hparams.dec_rnn_size == [64, 64] and model.z_size == 32
    variables, metadata = read_checkpoint(info["folder"] / "checkpoint")
    assert metadata is None
    assert infer_architecture(variables) == {"z_size": 32, "enc_rnn_size": [96, 96],
                                             "hierarchical_encoder": False,
                                             "hierarchical": True, "dec_rnn_size": [64, 64]}


def test_mismatched_config_names_the_variables():
    info = magenta_fixture("hierdec-mel_16bar-tiny")
    with pytest.raises(CheckpointMismatchError) as error:
        load_model(info["folder"] / "checkpoint", "cat-mel_2bar_small")
    message = str(error.value)
    assert "decoder/multi_rnn_cell/cell_0/lstm_cell/kernel" in message  # missing
    assert "decoder/hierarchical_level_0/initial_state/kernel" in message  # unexpected
    with pytest.raises(CheckpointMismatchError, match=r"encoder/mu/kernel: checkpoint \[192, 32\] vs model"):
        load_model(info["folder"] / "checkpoint", "hierdec-mel_16bar", "enc_rnn_size=[128,128],z_size=32")


def test_not_a_checkpoint_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint here"):
        load_model(tmp_path, "cat-mel_2bar_small")
    bundle = tmp_path / "empty.tar"
    with tarfile.open(bundle, "w") as tar:
        (tmp_path / "readme.txt").write_text("hi")
        tar.add(tmp_path / "readme.txt", "readme.txt")
    with pytest.raises(FileNotFoundError, match="holds no checkpoint"):
        load_model(bundle, "cat-mel_2bar_small")
    with pytest.raises(FileNotFoundError, match="not a checkpoint"):
        load_model(tmp_path / "missing", "cat-mel_2bar_small")


def test_serenade_format_round_trips_exactly(tmp_path):
    from serenade.models.configs import get_config
    from serenade.models.vae import MusicVAE

    model = MusicVAE(get_config("hierdec-mel_16bar_tiny", "free_bits=4"))
    model.build()
    save_model(model, tmp_path / "ours", step=42)
    metadata = json.loads((tmp_path / "ours" / "serenade.json").read_text())
    assert metadata["config"] == "hierdec-mel_16bar_tiny" and metadata["global_step"] == 42
    restored = load_model(tmp_path / "ours")
    assert restored.config.hparams == model.config.hparams and restored.global_step == 42
    for name, weight in model.numpy_weights().items():
        np.testing.assert_array_equal(restored.numpy_weights()[name], weight)
    # magenta-readable: plain TF checkpoint with magenta's names, found through `checkpoint`
    assert tf.train.latest_checkpoint(str(tmp_path / "ours")).endswith("model.ckpt-42")
    assert "decoder/hierarchical_level_0/cell_1/lstm_cell/kernel" in read_checkpoint(
        tmp_path / "ours" / "model.ckpt-42")[0]


def test_a_fitted_latent_prior_travels_in_the_checkpoint_and_samples_draw_from_it(tmp_path):
    from serenade.models import latent_prior as priors
    from serenade.models.checkpoint import CheckpointError
    from serenade.models.configs import get_config
    from serenade.models.vae import MusicVAE

    model = MusicVAE(get_config("cat-mel_2bar_tiny", "z_size=8"))
    model.build()
    rng = np.random.default_rng(0)
    # posteriors far from N(0, I): a prior centred at 3 with a small spread
    model.latent_prior = priors.fit(3.0 + 0.1 * rng.standard_normal((64, 8)),
                                    np.full((64, 8), 0.05))
    for dtype, tolerance in (("float32", 0.0), ("float16", 2e-3)):
        save_model(model, tmp_path / dtype, step=7, dtype=dtype)
        restored = load_model(tmp_path / dtype)
        np.testing.assert_allclose(restored.latent_prior.scale_tril, model.latent_prior.scale_tril,
                                   atol=tolerance)
        assert restored.latent_prior.windows == 64
    # magenta's own reader sees the weights as before, the prior under a scope of its own
    variables, _ = read_checkpoint(tmp_path / "float32")
    assert priors.SCALE_TRIL in variables and "decoder/output_projection/kernel" in variables
    z = restored.prior_draws(500, np.random.default_rng(1), priors.FITTED)
    assert abs(float(z.mean()) - 3.0) < 0.05
    standard = restored.prior_draws(500, np.random.default_rng(1))  # magenta's, by default
    assert abs(float(standard.mean())) < 0.1
    fitted, _ = restored.sample(4, temperature=0.0, seed=3, keep_logits=False,
                                prior=priors.FITTED)
    z_fitted = restored.prior_draws(4, np.random.default_rng(3), priors.FITTED)
    by_hand, _ = restored.decode(z_fitted, temperature=0.0, keep_logits=False)
    np.testing.assert_array_equal(fitted, by_hand)
    # a model saved without one samples from N(0, I), as magenta's checkpoints do
    model.latent_prior = None
    save_model(model, tmp_path / "none", step=7)
    assert load_model(tmp_path / "none").latent_prior is None
    # a prior that does not fit the model is named, not skipped
    broken = model.numpy_weights()
    broken.update(priors.LatentPrior(np.zeros(4, np.float32), np.eye(4, dtype=np.float32),
                                     2).tensors())
    names = sorted(broken)
    tf.raw_ops.SaveV2(prefix=str(tmp_path / "none" / "model.ckpt-7"), tensor_names=names,
                      shape_and_slices=[""] * len(names),
                      tensors=[tf.constant(broken[n]) for n in names])
    with pytest.raises(CheckpointError, match=r"none: its latent prior is for z of \[4\]"):
        load_model(tmp_path / "none")


def _fixture_copy(folder):
    import shutil

    shutil.copytree(magenta_fixture("cat-mel_2bar_small")["folder"] / "checkpoint", folder)
    for file in folder.iterdir():
        file.chmod(0o644)
    return folder


def test_damaged_checkpoint_files_are_named_in_the_error(tmp_path):
    from serenade.models.checkpoint import CheckpointError

    data, index = "model.ckpt-500.data-00000-of-00001", "model.ckpt-500.index"
    folder = _fixture_copy(tmp_path / "truncated")
    (folder / data).write_bytes((folder / data).read_bytes()[:1000])
    with pytest.raises(CheckpointError, match=rf"{folder / data}: .*truncated or corrupt"):
        read_checkpoint(folder)
    folder = _fixture_copy(tmp_path / "index")
    (folder / index).write_bytes(b"\0" * 875)
    with pytest.raises(CheckpointError, match=rf"{folder / index}: not a readable checkpoint index"):
        read_checkpoint(folder)
    folder = _fixture_copy(tmp_path / "json")
    for text, reason in (("[1, 2]", "not a serenade-musicvae checkpoint"),
                         ('{"format": "serenade-musicvae"}', "config, hparams, checkpoint missing"),
                         ('{"format": "serenade-musicvae", "config": "nope", "hparams": "", '
                          '"checkpoint": "model.ckpt-500"}', "unknown config 'nope'")):
        (folder / "serenade.json").write_text(text)
        with pytest.raises(CheckpointError, match=rf"{folder / 'serenade.json'}: {reason}"):
            read_checkpoint(folder)


def _tar(path, members, mode="w"):
    import io

    with tarfile.open(path, mode) as bundle:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                bundle.addfile(member)
            else:
                info = tarfile.TarInfo(member[0])
                info.size = len(member[1])
                bundle.addfile(info, io.BytesIO(member[1]))
    return path


def test_a_bundle_is_extracted_with_caps_and_safety_checks(tmp_path):
    from serenade.models.checkpoint import BUNDLE_EXPANSION, BUNDLE_SLACK_BYTES, CheckpointError

    folder = magenta_fixture("cat-mel_2bar_small")["folder"] / "checkpoint"
    index = (folder / "model.ckpt-500.index").read_bytes()
    data = (folder / "model.ckpt-500.data-00000-of-00001").read_bytes()
    # compressed and with extra files: the checkpoint files are found and read
    good = _tar(tmp_path / "good.tar.gz", [("m/notes.txt", b"hi"), ("m/x.ckpt.index", index),
                                           ("m/x.ckpt.data-00000-of-00001", data)], "w:gz")
    assert read_checkpoint(good)[0].keys() == read_checkpoint(folder)[0].keys()
    # a gzip bomb: refused from its declared size, before anything is written
    bomb = _tar(tmp_path / "bomb.tar.gz", [("x.ckpt.index", index), (
        "x.ckpt.data-00000-of-00001", bytes(BUNDLE_SLACK_BYTES + BUNDLE_EXPANSION * 1_000_000))], "w:gz")
    assert bomb.stat().st_size < 1_000_000
    with pytest.raises(CheckpointError, match=r"bomb.tar.gz: not a usable checkpoint bundle: .*cap"):
        read_checkpoint(bomb)
    # links and paths out of the bundle: nothing in it is trusted
    link = tarfile.TarInfo("x.ckpt.data-00000-of-00001")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    for name, member, reason in (("link.tar", link, "symbolic link"),
                                 ("escape.tar", ("../x.ckpt.data-00000-of-00001", data), "'..'")):
        bundle = _tar(tmp_path / name, [("x.ckpt.index", index), member])
        with pytest.raises(CheckpointError, match=rf"{name}: not a usable checkpoint bundle: .*{reason}"):
            read_checkpoint(bundle)
    assert not (tmp_path / "x.ckpt.data-00000-of-00001").exists()
    # a damaged member is named inside the bundle, not in a temporary folder
    cut = _tar(tmp_path / "cut.tar", [("x.ckpt.index", index), ("x.ckpt.data-00000-of-00001", data[:1000])])
    with pytest.raises(CheckpointError, match=rf"^{cut}!x.ckpt.data-00000-of-00001: .*truncated"):
        read_checkpoint(cut)


def test_a_decoder_moves_to_a_model_with_another_encoder():
    """A hierdec-mel_16bar model trained by magenta lends its decoder to a hier-mel_16bar model
    (hierarchical encoder): the new model decodes any z exactly as the source does, while its
    encoder and latent layers keep their fresh initialisation."""
    from serenade.models.checkpoint import decoder_weights
    from serenade.models.configs import get_config
    from serenade.models.vae import MusicVAE

    info = magenta_fixture("hierdec-mel_16bar-tiny")
    path = info["folder"] / "checkpoint"
    source = load_model(path, "hierdec-mel_16bar", info["hparam_arch"])
    sizes = source.config.hparams
    hparams = (f"z_size={sizes.z_size},enc_rnn_size=[{sizes.enc_rnn_size[0]}],"
               f"dec_rnn_size=[{','.join(map(str, sizes.dec_rnn_size))}]")
    model = MusicVAE(get_config("hier-mel_16bar", hparams))
    model.build()
    fresh = model.numpy_weights()
    model.assign_magenta_weights(decoder_weights(model, path))

    z = np.random.default_rng(0).standard_normal((4, sizes.z_size)).astype(np.float32)
    ours, _ = model.decode(z, temperature=0.0, keep_logits=False)
    theirs, _ = source.decode(z, temperature=0.0, keep_logits=False)
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))
    weights = model.numpy_weights()
    encoder = sorted(set(weights) - set(model.decoder.magenta_variables()))
    changed = [name for name in encoder if not np.array_equal(weights[name], fresh[name])]
    assert encoder and not changed, changed

    smaller = MusicVAE(get_config("hier-mel_16bar", hparams.replace(
        f"dec_rnn_size=[{','.join(map(str, sizes.dec_rnn_size))}]", "dec_rnn_size=[8,8]")))
    smaller.build()
    with pytest.raises(CheckpointMismatchError, match="decoder does not fit.*dec_rnn_size"):
        decoder_weights(smaller, path)
