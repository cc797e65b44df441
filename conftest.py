"""Suite-wide guard: a test that leaves the Keras global dtype policy changed fails itself.

Models built later in the same worker would silently compute in that policy and miss their
float32 parity tolerances, in whichever test the scheduler happens to run next.
"""

from __future__ import annotations

import sys

import pytest


def _global_policy() -> str | None:
    keras = sys.modules.get("keras")  # not imported -> nothing could have changed it
    return keras.mixed_precision.global_policy().name if keras is not None else None


@pytest.fixture(autouse=True)
def _keras_policy_unchanged():
    before = _global_policy() or "float32"
    yield
    after = _global_policy()
    if after is not None and after != before:
        sys.modules["keras"].mixed_precision.set_global_policy(before)
        pytest.fail(f"the test left the Keras global policy at {after} (was {before})")
