"""Shipped-model references."""

from __future__ import annotations

import pytest

from serenade.models import pretrained


def test_reference_resolves_into_the_package():
    assert "serenade_mel_2bar" in pretrained.available()
    path = pretrained.resolve("pretrained:serenade_mel_2bar")
    assert path == pretrained.PRETRAINED_DIR / "serenade_mel_2bar"
    assert (path / "serenade.json").is_file()


def test_plain_paths_pass_through(tmp_path):
    assert pretrained.resolve(tmp_path / "x") == tmp_path / "x"
    assert not pretrained.is_reference("results/models/m/checkpoint")


@pytest.mark.parametrize("reference", ["pretrained:", "pretrained:nope", "pretrained:../models"])
def test_unknown_reference_lists_what_ships(reference):
    with pytest.raises(FileNotFoundError, match="pretrained:serenade_mel_2bar"):
        pretrained.resolve(reference)
