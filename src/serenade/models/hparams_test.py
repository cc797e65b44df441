import pytest

from serenade.models.hparams import HParams, parse_overrides, parsed_names


def make() -> HParams:
    return HParams(z_size=32, free_bits=0.0, enc_rnn_size=[256], use_cudnn=False,
                   sampling_schedule="constant")


def test_parse_scalars_and_bracketed_lists():
    hp = make().parse("enc_rnn_size=[96,96],z_size=16, free_bits=48,use_cudnn=true,"
                      "sampling_schedule=inverse_sigmoid")
    assert hp.enc_rnn_size == [96, 96]
    assert hp.z_size == 16 and isinstance(hp.z_size, int)
    assert hp.free_bits == 48.0 and isinstance(hp.free_bits, float)
    assert hp.use_cudnn is True
    assert hp.sampling_schedule == "inverse_sigmoid"


def test_parse_returns_copy_and_keeps_original():
    original = make()
    original.parse("z_size=8")
    assert original.z_size == 32


def test_single_value_for_list_hparam_is_one_element_list():
    assert make().parse("enc_rnn_size=2048").enc_rnn_size == [2048]


def test_unknown_name_is_an_error_listing_known_names():
    with pytest.raises(ValueError, match=r"unknown hparams \['zsize'\].*z_size"):
        make().parse("zsize=3")


@pytest.mark.parametrize("text", ["z_size=1.5", "use_cudnn=maybe", "z_size=[1,2]"])
def test_bad_values_are_errors_naming_the_hparam(text):
    name = text.split("=")[0]
    with pytest.raises(ValueError, match=name):
        make().parse(text)


def test_bad_syntax_is_an_error():
    with pytest.raises(ValueError, match="cannot parse"):
        make().parse("z_size")


def test_to_string_round_trips():
    hp = make().parse("enc_rnn_size=[1,2,3],free_bits=0.25")
    assert make().parse(hp.to_string()) == hp


def test_parsed_names_and_pairs():
    assert parse_overrides("a=[1, 2],b=3") == [("a", "[1, 2]"), ("b", "3")]
    assert parsed_names("") == set()
    assert parsed_names("z_size=3,enc_rnn_size=[4]") == {"z_size", "enc_rnn_size"}


def test_attribute_access_and_set():
    hp = make()
    hp.z_size = 7
    assert hp.z_size == 7
    with pytest.raises(AttributeError):
        hp.nope = 1
    with pytest.raises(AttributeError):
        _ = hp.nope
    assert hp.set(z_size=3).z_size == 3 and hp.z_size == 7


@pytest.mark.parametrize("text", ["free_bits=nan", "free_bits=inf", "free_bits=-Infinity"])
def test_non_finite_numbers_are_refused(text):
    with pytest.raises(ValueError, match="hparam 'free_bits': .* is not a finite number"):
        make().parse(text)
