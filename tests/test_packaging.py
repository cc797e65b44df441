"""The package as others install it: a real wheel, installed without the repository beside it,
finds its config schema and holds no tests; the license file matches pyproject.toml."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile

import pytest

from serenade.paths import REPO_ROOT


def test_license_file_matches_pyproject():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "Apache-2.0"
    assert project["license-files"] == ["LICENSE"]
    text = (REPO_ROOT / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text


@pytest.mark.slow
def test_an_installed_wheel_finds_its_schema(tmp_path):
    wheels, target, tree = tmp_path / "wheels", tmp_path / "site", tmp_path / "tree"
    # build from a copy: a build writes build/ and *.egg-info into the tree it builds
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    for name in ("pyproject.toml", "setup.py", "README.md", "LICENSE"):
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO_ROOT / name, tree / name)
    for name in ("src", "workflow/schemas"):
        shutil.copytree(REPO_ROOT / name, tree / name, symlinks=True, ignore=skip)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels),
                    str(tree)], check=True, capture_output=True, timeout=600)
    wheel = next(wheels.glob("serenade-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        schema = archive.read("serenade/schemas/config.schema.yaml").decode()
        names = archive.namelist()
    # the code without its tests and test helpers (they run from the source tree)
    assert "serenade/models/objective.py" in names
    assert not [name for name in names if name.endswith("_test.py")]
    assert not [name for name in names if name.startswith("testing/") or "/testing" in name]
    assert schema == (REPO_ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text()
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(target), str(wheel)], check=True, capture_output=True, timeout=600)
    # The installed copy comes first on the path, and the repository is out of sight.
    script = ("import serenade.config_schema as c, serenade.config as config\n"
              "assert c.__file__.startswith(%r), c.__file__\n"
              "print(config.validate_config({})['data']['eval_fraction'])\n" % str(target))
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split()[-1] == "0.1"
