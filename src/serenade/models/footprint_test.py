import pytest

from serenade.models.configs import get_config
from serenade.models.footprint import check_training_fits, training_bytes, weight_count


def test_weight_count_is_magentas_for_the_flat_melody_model():
    # cat-mel_2bar_small: bidirectional 512 encoder, z 256, decoder 256 x 2, 90 classes
    config = get_config("cat-mel_2bar_small")
    encoder = 2 * 4 * 512 * (90 + 512 + 1)
    latent = 2 * (1024 + 1) * 256
    initial = (256 + 1) * 2 * 512
    decoder = 4 * 256 * (90 + 256 + 256 + 1) + 4 * 256 * (256 + 256 + 1)
    assert weight_count(config) == encoder + latent + initial + decoder + (256 + 1) * 90


def test_sizes_past_the_memory_are_refused_and_the_shipped_configs_fit_a_workstation():
    with pytest.raises(ValueError, match="needs at least .* more than this machine's 16.0 GiB"):
        check_training_fits(get_config("cat-mel_2bar_small", "z_size=1000000000"),
                            memory=16 << 30)
    for name in ("cat-mel_2bar_small", "cat-mel_2bar_big", "hierdec-trio_16bar"):
        assert training_bytes(get_config(name)) < 32 << 30
