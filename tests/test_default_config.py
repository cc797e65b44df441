"""The shipped config/config.yaml: valid, and still valid when its sources are replaced by the
user's own folder of unlabelled MIDI (the README's first suggestion): its generation settings
name no piece or label of the default corpus."""

from __future__ import annotations

import copy
import subprocess
import sys
import textwrap

import yaml

from serenade.config import load_config, validate_config
from serenade.generation.auto_inputs import is_auto
from serenade.paths import MAGENTA_FIXTURES, REPO_ROOT


def _generation_inputs(generate: dict) -> list[str]:
    specs = []
    for entry in generate["interpolations"]:
        specs += [entry["from"], entry["to"]]
    for entry in generate["journeys"]:
        specs += list(entry["inputs"])
    pieces = generate["attributes"]["pieces"]
    specs += [pieces] if is_auto(pieces) else [piece["input"] for piece in pieces]
    return specs


def test_default_generation_inputs_are_picked_from_the_users_data():
    config = load_config(REPO_ROOT / "config" / "config.yaml")
    specs = _generation_inputs(config["generate"])
    assert specs and all(is_auto(spec) for spec in specs)
    assert is_auto(config["generate"]["attributes"]["names"])


def test_default_config_with_one_unlabelled_folder_is_valid():
    with open(REPO_ROOT / "config" / "config.yaml", encoding="utf-8") as handle:
        config = yaml.safe_load(handle)
    own = copy.deepcopy(config)
    own["sources"] = [{"name": "my_midi", "path": str(MAGENTA_FIXTURES / "cat-mel_2bar_small" / "cases")}]
    validate_config(own, check_files=True)  # generation settings included: nothing to fix


def test_a_label_no_source_carries_is_still_reported_when_named():
    with open(REPO_ROOT / "config" / "config.yaml", encoding="utf-8") as handle:
        config = yaml.safe_load(handle)
    config["sources"] = [{"name": "my_midi", "path": str(MAGENTA_FIXTURES / "cat-mel_2bar_small" / "cases")}]
    config["generate"]["attributes"]["names"] = ["note_density", "calm"]
    problems = []
    try:
        validate_config(copy.deepcopy(config), check_files=True)
    except Exception as error:  # noqa: BLE001 - the message is what is checked
        problems = str(error).splitlines()
    assert problems == ["invalid configuration:",
                        "  - generate.attributes.names[1]: unknown attribute 'calm'; computed ones "
                        "are note_density, pitch_range, mean_interval, in_scale, repetition, "
                        "mean_pitch; source labels are none"]
    validate_config(copy.deepcopy(config), check_files=True, generation=False)  # data runs go on


def test_planning_the_workflow_loads_no_tensorflow():
    """Snakemake's own process imports what the rules import and validates the config (the
    shipped one fine-tunes from a pretrained checkpoint, whose metadata it reads): it stays
    light, since on a cluster it sits on the login node for the whole run."""
    code = textwrap.dedent("""
        import sys
        import serenade.pipeline.generation, serenade.pipeline.models, serenade.pipeline.layout
        from serenade.config import generation_problems, load_config, validate_config
        config = load_config("config/config.yaml")
        validate_config(config, check_files=True, generation=False)
        generation_problems(config)
        assert config["models"][0]["train"]["init_from"].startswith("pretrained:")
        heavy = [name for name in ("tensorflow", "keras", "mlflow") if name in sys.modules]
        assert not heavy, heavy
    """)
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True, timeout=120)
