"""The precision `auto` picks for faked device lists and CPU flags, and what a request keeps."""

from __future__ import annotations

import logging

import pytest

from serenade.config_schema import schema_at
from serenade.models import precision as p

H100, A100, V100, T4, P100 = (9, 0), (8, 0), (7, 0), (7, 5), (6, 0)


@pytest.mark.parametrize("gpus, policy", [
    ([H100], p.MIXED_BFLOAT16), ([A100, A100], p.MIXED_BFLOAT16), ([V100], p.MIXED_FLOAT16),
    ([T4], p.MIXED_FLOAT16), ([A100, V100], p.MIXED_FLOAT16), ([P100], p.FLOAT32),
    ([A100, P100], p.FLOAT32), ([None], p.FLOAT32), ([A100, None], p.FLOAT32)])
def test_auto_on_gpus_follows_their_tensor_cores(gpus, policy):
    chosen = p.choose("auto", gpus=gpus, flags={"avx512_bf16"})  # the GPUs decide, not the CPU
    assert chosen.policy == policy
    assert "GPU" in chosen.reason
    assert chosen.loss_scaling == (policy == p.MIXED_FLOAT16)


@pytest.mark.parametrize("flags, policy", [
    ({"avx2", "avx512f", "avx512_bf16"}, p.MIXED_BFLOAT16), ({"amx_bf16", "amx_tile"}, p.MIXED_BFLOAT16),
    ({"avx2", "avx512f"}, p.FLOAT32), (set(), p.FLOAT32)])
def test_auto_on_a_cpu_follows_its_bfloat16_instructions(flags, policy):
    chosen = p.choose("auto", flags=flags, machine="x86_64")
    assert chosen.policy == policy
    assert ("avx512_bf16" in chosen.reason or "amx_bf16" in chosen.reason) == (policy != p.FLOAT32)


def test_a_requested_policy_is_kept_with_a_warning_where_it_is_emulated(caplog):
    with caplog.at_level(logging.WARNING, logger=p.__name__):
        assert p.choose("float32", gpus=[H100]).policy == p.FLOAT32
        assert not caplog.records
        assert p.choose("mixed_bfloat16", flags={"avx2"}).policy == p.MIXED_BFLOAT16
        assert p.choose("mixed_float16", flags={"avx512_bf16"}).policy == p.MIXED_FLOAT16
        assert p.choose("mixed_bfloat16", gpus=[V100]).policy == p.MIXED_BFLOAT16
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 3 and all("slower than float32" in m for m in messages)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger=p.__name__):
        p.choose("mixed_bfloat16", flags={"amx_bf16"})
        p.choose("mixed_float16", gpus=[V100])
    assert not caplog.records


def test_an_unknown_precision_is_refused():
    with pytest.raises(ValueError, match="precision must be one of auto, float32"):
        p.choose("bfloat16")


def test_cpu_flags_are_read_from_cpuinfo(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: Test CPU\nflags\t\t: fpu sse2 avx512f "
                       "avx512_bf16\n\nprocessor\t: 1\nflags\t\t: fpu\n")
    assert p.cpu_flags(cpuinfo) == {"fpu", "sse2", "avx512f", "avx512_bf16"}
    assert p.cpu_flags(tmp_path / "missing") == frozenset()


def test_the_config_schema_offers_exactly_these_precisions():
    node = schema_at("models.train")["properties"]["precision"]
    assert tuple(node["enum"]) == p.CHOICES and node["default"] == p.AUTO


@pytest.mark.parametrize("requested, flags, policy", [
    ("auto", {"avx512_bf16"}, p.MIXED_BFLOAT16), ("auto", {"amx_bf16"}, p.MIXED_BFLOAT16),
    ("auto", {"avx2", "avx512f"}, p.FLOAT32), ("float32", {"amx_bf16"}, p.FLOAT32),
    ("mixed_bfloat16", {"avx2"}, p.MIXED_BFLOAT16), ("mixed_float16", {"amx_bf16"}, p.FLOAT32)])
def test_decoding_follows_the_cpu_and_never_multiplies_in_float16(requested, flags, policy):
    """Decoding runs on the CPU whatever trains: its choice reads CPU flags only, and float16
    (no CPU multiplies it natively) decodes in float32, saying why."""
    chosen = p.for_decoding(requested, flags=flags)
    assert chosen.policy == policy
    if requested == "mixed_float16":
        assert "float16" in chosen.reason


def test_decoding_refuses_an_unknown_precision():
    with pytest.raises(ValueError, match="precision must be one of"):
        p.for_decoding("bfloat16")
