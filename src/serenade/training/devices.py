"""Where training runs: every GPU TensorFlow sees (MirroredStrategy for several), else the CPU.

The choice is logged in one line, so a job that silently fell back to the CPU (a CUDA install
TensorFlow cannot use, the `gpu` extra missing) is obvious from its log.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import tensorflow as tf

from serenade.models import precision as precisions
from serenade.models.precision import Precision

LOG = logging.getLogger(__name__)


@dataclass
class Placement:
    """The distribution strategy and a one-line description of it."""

    strategy: tf.distribute.Strategy
    description: str
    devices: tuple[str, ...]
    precision: Precision = Precision(precisions.FLOAT32, "default")

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


def select(*, precision: str | Precision = precisions.AUTO,
           devices: list[str] | None = None) -> Placement:
    """Pick the strategy: the given devices, else all GPUs, else the CPU; and the numeric
    precision (`serenade.models.precision`: a name, `auto` chosen for those devices, or a
    Precision already chosen), in which the `Trainer` builds its model. The Keras global policy
    is left alone: a process that trains and then loads another model gets magenta's float32.

    Several devices -> MirroredStrategy (synchronous data parallelism, gradients summed over
    replicas); one GPU -> OneDeviceStrategy; no GPU -> the default strategy on the CPU.
    """
    if devices:
        names = tuple(devices)
    else:
        gpus = tf.config.list_logical_devices("GPU")
        names = tuple(d.name for d in gpus)
    if not isinstance(precision, Precision):
        precision = precisions.detect(precision, names)
    suffix = f", {precision.describe()}"
    if len(names) > 1:
        strategy = tf.distribute.MirroredStrategy(list(names))
        description = (f"Training on {len(names)} devices with MirroredStrategy "
                       f"({', '.join(names)}{suffix})")
    elif len(names) == 1:
        strategy = tf.distribute.OneDeviceStrategy(names[0])
        description = f"Training on {names[0]}{suffix}"
    else:
        threads = tf.config.threading.get_intra_op_parallelism_threads() or os.cpu_count()
        strategy = tf.distribute.get_strategy()
        description = (f"No GPU visible to TensorFlow: training on the CPU ({threads} threads). "
                       f"{precision.describe()}. For a GPU install the `gpu` extra "
                       "(pip install -e '.[gpu]').")
        names = ("/CPU:0",)
    LOG.info(description)
    return Placement(strategy=strategy, description=description, devices=names,
                     precision=precision)
