"""Numeric precision of training and inference: which Keras dtype policy, and why.

`auto` picks mixed precision where the hardware multiplies 16-bit floats faster than float32:
- NVIDIA GPUs of compute capability 8.0 or newer (Ampere, Hopper, ...): `mixed_bfloat16`
  (tensor cores, float32's exponent range, so no loss scaling);
- NVIDIA GPUs of capability 7.x (Volta, Turing): `mixed_float16`, with dynamic loss scaling;
- CPUs with bfloat16 matmul instructions (`avx512_bf16`, AMX `amx_bf16`): `mixed_bfloat16`
  (oneDNN runs the products at 2-2.5x float32's rate);
- anything else: `float32` (16-bit products would be emulated, slower than float32).

Under a mixed policy only the products run in 16 bits: weights (the master copy), optimizer
state, the LSTM gates and cell state (`serenade.models.lstm`), the posterior (mu, sigma, z),
the logits, the softmax, the loss and the KL stay float32, and so do checkpoints.
"""

from __future__ import annotations

import contextlib
import logging
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Sequence

LOG = logging.getLogger(__name__)

FLOAT32 = "float32"
MIXED_BFLOAT16 = "mixed_bfloat16"
MIXED_FLOAT16 = "mixed_float16"
AUTO = "auto"
POLICIES = (FLOAT32, MIXED_BFLOAT16, MIXED_FLOAT16)
CHOICES = (AUTO,) + POLICIES

CPU_BF16_FLAGS = ("avx512_bf16", "amx_bf16")  # /proc/cpuinfo names of bfloat16 matmul units
BF16_CAPABILITY = (8, 0)  # NVIDIA compute capability with bfloat16 tensor cores
FP16_CAPABILITY = (7, 0)  # ... with float16 tensor cores


@dataclass(frozen=True)
class Precision:
    """The chosen Keras policy and the reason, for the run's log and its MLflow params."""

    policy: str
    reason: str

    @property
    def mixed(self) -> bool:
        return self.policy != FLOAT32

    @property
    def loss_scaling(self) -> bool:
        """float16's narrow exponent range needs the loss scaled to keep small gradients."""
        return self.policy == MIXED_FLOAT16

    @property
    def compute_dtype(self) -> str:
        return {MIXED_BFLOAT16: "bfloat16", MIXED_FLOAT16: "float16"}.get(self.policy, FLOAT32)

    def describe(self) -> str:
        return f"precision {self.policy} ({self.reason})"


def cpu_flags(cpuinfo: str | Path = "/proc/cpuinfo") -> frozenset[str]:
    """The CPU's feature flags (Linux); empty where they cannot be read (macOS, Windows)."""
    try:
        text = Path(cpuinfo).read_text(errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith("flags") and ":" in line:
            return frozenset(line.split(":", 1)[1].split())
    return frozenset()


def gpu_capabilities(gpus: Iterable = None) -> list[tuple[int, int] | None]:
    """The compute capability of each GPU TensorFlow sees (None where it does not say)."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU") if gpus is None else gpus
    capabilities = []
    for gpu in gpus:
        try:
            details = tf.config.experimental.get_device_details(gpu)
        except (ValueError, RuntimeError):
            details = {}
        capability = details.get("compute_capability")
        capabilities.append(tuple(capability) if capability else None)
    return capabilities


def choose(requested: str, *, gpus: Sequence[tuple[int, int] | None] = (),
           flags: Iterable[str] = (), machine: str | None = None) -> Precision:
    """The policy for `requested` (one of CHOICES) on a machine with these GPUs (their compute
    capabilities; empty: training on the CPU) and CPU flags. An explicit policy is kept, with
    a warning where the hardware would emulate it."""
    if requested not in CHOICES:
        raise ValueError(f"precision must be one of {', '.join(CHOICES)}, got {requested!r}")
    flags = frozenset(flags)
    bf16_flags = sorted(flags & set(CPU_BF16_FLAGS))
    machine = machine or platform.machine()
    if requested != AUTO:
        precision = Precision(requested, "requested")
        slow = _emulated(precision.policy, gpus, bf16_flags)
        if slow:
            LOG.warning("%s requested, but %s: it will likely be slower than float32",
                        precision.policy, slow)
        return precision
    if gpus:
        known = [c for c in gpus if c is not None]
        if len(known) == len(gpus) and all(c >= BF16_CAPABILITY for c in known):
            return Precision(MIXED_BFLOAT16, "GPU compute capability "
                             f"{_capabilities(known)}: bfloat16 tensor cores")
        if len(known) == len(gpus) and all(c >= FP16_CAPABILITY for c in known):
            return Precision(MIXED_FLOAT16, "GPU compute capability "
                             f"{_capabilities(known)}: float16 tensor cores, loss scaling")
        return Precision(FLOAT32, "GPU without tensor cores (compute capability "
                         f"{_capabilities(gpus)})")
    if bf16_flags:
        return Precision(MIXED_BFLOAT16, f"CPU with {' and '.join(bf16_flags)}")
    return Precision(FLOAT32, f"CPU ({machine}) without bfloat16 matmul instructions")


def _capabilities(capabilities: Sequence[tuple[int, int] | None]) -> str:
    return ", ".join("unknown" if c is None else f"{c[0]}.{c[1]}" for c in capabilities)


def _emulated(policy: str, gpus, bf16_flags) -> str:
    """Why `policy` would run emulated here ("" when it has hardware support)."""
    if policy == FLOAT32:
        return ""
    if gpus:
        floor = BF16_CAPABILITY if policy == MIXED_BFLOAT16 else FP16_CAPABILITY
        if any(c is not None and c < floor for c in gpus):
            return f"a GPU has compute capability {_capabilities(gpus)}"
        return ""
    if policy == MIXED_FLOAT16:
        return "CPUs have no float16 matmul units TensorFlow uses"
    return "" if bf16_flags else "this CPU has no bfloat16 matmul instructions"


def detect(requested: str, devices: Sequence[str] = ()) -> Precision:
    """`choose` for this machine: the GPUs among `devices` (default: every GPU TensorFlow
    sees) and /proc/cpuinfo."""
    import tensorflow as tf

    physical = tf.config.list_physical_devices("GPU")
    if devices:
        on_gpu = [name for name in devices if "GPU" in name.upper()]
        physical = physical[:len(on_gpu)] if on_gpu else []
    return choose(requested, gpus=gpu_capabilities(physical) if physical else (),
                  flags=cpu_flags())


def for_decoding(requested: str, flags: Iterable[str] | None = None) -> Precision:
    """The precision of numpy decoding (`serenade.models.products`) for `requested`: it runs on
    the CPU whatever device trains, so `auto` looks at the CPU's flags only (default: this
    machine's), and float16, which CPUs do not multiply natively, decodes in float32."""
    if requested not in CHOICES:
        raise ValueError(f"precision must be one of {', '.join(CHOICES)}, got {requested!r}")
    if requested == MIXED_FLOAT16:
        return Precision(FLOAT32, "decoding runs on the CPU, which has no float16 products")
    if requested == FLOAT32:  # every model starts so: no /proc/cpuinfo read for it
        return Precision(FLOAT32, "requested")
    return choose(requested, flags=cpu_flags() if flags is None else flags)


def apply(precision: Precision) -> None:
    """Set the Keras global policy: every model built afterwards computes in it."""
    import keras

    keras.mixed_precision.set_global_policy(precision.policy)


@contextlib.contextmanager
def policy_scope(precision: Precision) -> Iterator[None]:
    """`apply` for the models built inside the block, then the policy in force before."""
    before = current()
    apply(precision)
    try:
        yield
    finally:
        import keras

        keras.mixed_precision.set_global_policy(before)


def current() -> str:
    """The Keras global policy in force."""
    import keras

    return keras.mixed_precision.global_policy().name
