"""Where training runs: every GPU TensorFlow sees (MirroredStrategy for several), else the CPU.

The choice is logged in one line, so a job that silently fell back to the CPU (a CUDA install
TensorFlow cannot use, the `gpu` extra missing) is obvious from its log.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import tensorflow as tf

LOG = logging.getLogger(__name__)

# Mixed precision uses bfloat16: the same exponent range as float32, so no loss scaling is
# needed (float16 would need it, and magenta's gradient clipping would then see scaled norms).
MIXED_POLICY = "mixed_bfloat16"


@dataclass
class Placement:
    """The distribution strategy and a one-line description of it."""

    strategy: tf.distribute.Strategy
    description: str
    devices: tuple[str, ...]
    mixed_precision: bool = False

    @property
    def replicas(self) -> int:
        return self.strategy.num_replicas_in_sync


def split_cpu(count: int) -> None:
    """Expose the CPU as `count` logical devices (to exercise the multi-device path on a CPU).

    Must run before TensorFlow initialises its devices (before any op runs).
    """
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(count)])


def select(*, mixed_precision: bool = False, devices: list[str] | None = None) -> Placement:
    """Pick the strategy: the given devices, else all GPUs, else the CPU.

    Several devices -> MirroredStrategy (synchronous data parallelism, gradients summed over
    replicas); one GPU -> OneDeviceStrategy; no GPU -> the default strategy on the CPU.
    Mixed precision only applies on GPUs (bfloat16 matmuls on a CPU are rarely faster).
    """
    if devices:
        names = tuple(devices)
    else:
        gpus = tf.config.list_logical_devices("GPU")
        names = tuple(d.name for d in gpus)
    on_gpu = any("GPU" in name.upper() for name in names)
    use_mixed = bool(mixed_precision and on_gpu)
    if mixed_precision and not on_gpu:
        LOG.warning("mixed precision requested but no GPU is used: training in float32")
    import keras

    keras.mixed_precision.set_global_policy(MIXED_POLICY if use_mixed else "float32")
    precision = f", {MIXED_POLICY}" if use_mixed else ""
    if len(names) > 1:
        strategy = tf.distribute.MirroredStrategy(list(names))
        description = (f"Training on {len(names)} devices with MirroredStrategy "
                       f"({', '.join(names)}{precision})")
    elif len(names) == 1:
        strategy = tf.distribute.OneDeviceStrategy(names[0])
        description = f"Training on {names[0]}{precision}"
    else:
        threads = tf.config.threading.get_intra_op_parallelism_threads() or os.cpu_count()
        strategy = tf.distribute.get_strategy()
        description = (f"No GPU visible to TensorFlow: training on the CPU ({threads} threads). "
                       "For a GPU install the `gpu` extra (pip install -e '.[gpu]').")
        names = ("/CPU:0",)
    LOG.info(description)
    return Placement(strategy=strategy, description=description, devices=names,
                     mixed_precision=use_mixed)
