"""Device selection on this machine (no GPU) — the multi-device path is in trainer_test."""

from __future__ import annotations

import logging

import keras
import tensorflow as tf

from serenade.models import precision
from serenade.training import devices


def test_cpu_fallback_says_so_in_one_line_with_its_precision(caplog):
    if tf.config.list_logical_devices("GPU"):
        return  # a GPU machine takes the other branch
    expected = precision.choose("auto", flags=precision.cpu_flags())
    try:
        with caplog.at_level(logging.INFO, logger="serenade.training.devices"):
            placement = devices.select(precision="auto")
        assert placement.replicas == 1 and placement.precision == expected
        # the Trainer builds in the placement's policy; the process's global policy is kept
        assert keras.mixed_precision.global_policy().name == "float32"
        lines = [r.getMessage() for r in caplog.records if "No GPU visible" in r.getMessage()]
        assert len(lines) == 1 and "training on the CPU" in lines[0]
        assert f"precision {expected.policy} ({expected.reason})" in lines[0]
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_explicit_single_device():
    placement = devices.select(devices=["/cpu:0"], precision="float32")
    assert isinstance(placement.strategy, tf.distribute.OneDeviceStrategy)
    assert placement.description == "Training on /cpu:0, precision float32 (requested)"
    assert keras.mixed_precision.global_policy().name == "float32"
