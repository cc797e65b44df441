"""Device selection on this machine (no GPU) — the multi-device path is in trainer_test."""

from __future__ import annotations

import logging

import keras
import tensorflow as tf

from serenade.training import devices


def test_cpu_fallback_says_so_in_one_line(caplog):
    if tf.config.list_logical_devices("GPU"):
        return  # a GPU machine takes the other branch
    with caplog.at_level(logging.INFO, logger="serenade.training.devices"):
        placement = devices.select(mixed_precision=True)
    assert placement.replicas == 1 and not placement.mixed_precision
    assert keras.mixed_precision.global_policy().name == "float32"
    lines = [r.getMessage() for r in caplog.records if "No GPU visible" in r.getMessage()]
    assert len(lines) == 1 and "training on the CPU" in lines[0]
    assert any("mixed precision requested" in r.getMessage() for r in caplog.records)


def test_explicit_single_device():
    placement = devices.select(devices=["/cpu:0"])
    assert isinstance(placement.strategy, tf.distribute.OneDeviceStrategy)
    assert placement.description == "Training on /cpu:0"
