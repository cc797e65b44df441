"""Suite-wide guards: a test fails itself when it leaves the Keras global dtype policy changed,
or when it leaves an MLflow store in the repository.

Models built later in the same worker would silently compute in a changed policy and miss their
float32 parity tolerances, in whichever test the scheduler happens to run next. An MLflow store
belongs in the test's temp folder (or a workflow's results/): one at the repository root means
some code fell back to MLflow's default store in the working directory.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent
# MLflow's default stores in the working directory (sqlite since MLflow 3, files before).
STRAY_STORE_NAMES = ("mlflow.db", "mlflow.db.lock", "mlruns")
# Where a store written to "the working directory" of a test or one of its subprocesses lands.
STORE_FOLDERS = (REPO_ROOT, REPO_ROOT / "tests", REPO_ROOT / "src", REPO_ROOT / "workflow")


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


def _stray_stores() -> set[Path]:
    return {folder / name for folder in STORE_FOLDERS for name in STRAY_STORE_NAMES
            if (folder / name).exists()}


@pytest.fixture(autouse=True)
def _no_mlflow_store_in_the_repository():
    before = _stray_stores()
    yield
    new = sorted(_stray_stores() - before)
    if new:
        for path in new:  # removed, so that the next run sees it again if it comes back
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
        pytest.fail("an MLflow store appeared in the repository during this test (removed): "
                    + ", ".join(str(path.relative_to(REPO_ROOT)) for path in new))
