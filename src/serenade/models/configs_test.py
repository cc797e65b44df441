import pytest

from serenade.models.configs import get_config
from serenade.registry import CONFIG_NAMES


def test_magenta_names_and_hparams():
    small = get_config("cat-mel_2bar_small").hparams
    assert (small.z_size, small.enc_rnn_size, small.dec_rnn_size) == (256, [512], [256, 256])
    assert (small.max_seq_len, small.batch_size, small.free_bits) == (32, 512, 0.0)
    assert (small.max_beta, small.beta_rate) == (0.2, 0.99999)
    assert (small.sampling_schedule, small.sampling_rate) == ("inverse_sigmoid", 1000.0)
    # magenta's defaults where the config says nothing
    assert (small.learning_rate, small.decay_rate, small.min_learning_rate) == (0.001, 0.9999, 1e-5)
    assert (small.grad_clip, small.grad_norm_clip_to_zero, small.dropout_keep_prob) == (1.0, 10000, 1.0)

    big = get_config("cat-mel_2bar_big").hparams
    assert (big.z_size, big.enc_rnn_size, big.dec_rnn_size, big.max_beta) == (
        512, [2048], [2048, 2048, 2048], 0.5)

    flat = get_config("flat-mel_16bar")
    assert (flat.hparams.max_seq_len, flat.hparams.enc_rnn_size, flat.hparams.free_bits) == (
        256, [2048, 2048], 256.0)
    assert flat.hparams.sampling_schedule == "constant" and flat.hparams.sampling_rate == 0.0
    assert flat.hparams.beta_rate == 0.0 and not flat.hierarchical

    hier = get_config("hierdec-mel_16bar")
    assert hier.hierarchical and hier.hierarchical.level_lengths == (16, 16)
    assert hier.hparams.dec_rnn_size == [1024, 1024]


@pytest.mark.parametrize("name", CONFIG_NAMES)
def test_every_config_builds_and_has_a_converter_of_its_length(name):
    config = get_config(name)
    assert config.name == name
    assert config.converter.window_steps == config.hparams.max_seq_len


def test_tiny_configs_keep_the_structure():
    assert get_config("hierdec-mel_16bar_tiny").hierarchical
    assert not get_config("flat-mel_16bar_tiny").hierarchical
    assert get_config("cat-mel_2bar_tiny").hparams.max_seq_len == 32
    for name in ("hier-mel_16bar_tiny", "hier-trio_16bar_tiny"):
        assert get_config(name).encoder_level_lengths == (16, 16) and get_config(name).hierarchical
    assert get_config("hierdec-mel_16bar_tiny").encoder_level_lengths is None


def test_hier_configs_are_magentas():
    for name, split in (("hier-mel_16bar", False), ("hier-trio_16bar", True)):
        config = get_config(name)
        assert config.encoder_level_lengths == (16, 16)
        assert config.hierarchical.level_lengths == (16, 16)
        assert config.hierarchical.split_parts == split
        hp = config.hparams
        assert (hp.z_size, hp.enc_rnn_size, hp.dec_rnn_size) == (512, [1024], [1024, 1024])
        assert (hp.max_seq_len, hp.free_bits, hp.max_beta) == (256, 256.0, 0.2)
    assert get_config("hier-trio_16bar").hparams.batch_size == 256
    assert get_config("hier-mel_16bar").hparams.batch_size == 512


def test_overrides_and_errors():
    config = get_config("hierdec-mel_16bar", "enc_rnn_size=[96,96],dec_rnn_size=[64,64],z_size=32")
    assert config.hparams.enc_rnn_size == [96, 96] and config.hparams.z_size == 32
    with pytest.raises(ValueError, match="unknown config 'nope'.*cat-mel_2bar_small"):
        get_config("nope")
    with pytest.raises(ValueError, match="max_seq_len"):
        get_config("hierdec-mel_16bar", "max_seq_len=32")
    with pytest.raises(ValueError, match="residual"):
        get_config("cat-mel_2bar_small", "residual_encoder=true")


def test_multiperf_configs_are_magentas():
    from serenade.multiperf.configs import CONFIG_CONVERTERS
    from serenade.registry import config_entry, magenta_configs

    assert set(magenta_configs("multiperf")) == set(CONFIG_CONVERTERS)
    for name, converter in CONFIG_CONVERTERS.items():
        config = get_config(name)
        assert config_entry(name).converter == converter
        assert config.encoder_level_lengths == (64, 8)
        assert config.hierarchical.level_lengths == (8, 64)
        assert config.hierarchical.disable_autoregression and not config.hierarchical.split_parts
        assert config.padded and config.part_depths == (490,)
        assert config.control_depth == (49 if name.endswith("_chords") else 0)
        hp = config.hparams
        big = "_big" in name
        assert (hp.batch_size, hp.max_seq_len, hp.z_size) == (256, 512, 512)
        assert hp.enc_rnn_size == ([2048] if big else [1024])
        assert hp.dec_rnn_size == ([1024] * 3 if big else [512] * 3)
        # magenta's defaults elsewhere
        assert (hp.free_bits, hp.max_beta, hp.beta_rate) == (0.0, 1.0, 0.0)
        assert (hp.sampling_schedule, hp.sampling_rate, hp.learning_rate) == ("constant", 0.0,
                                                                              0.001)
    tiny = get_config("hier-multiperf_vel_1bar_chords_tiny")
    assert tiny.control_depth == 49 and tiny.encoder_level_lengths == (64, 8)
    assert not get_config("hier-mel_16bar").padded
