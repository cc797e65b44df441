"""The shipped config/config.yaml: valid, and every generation input it names is a piece its
music21 sources actually select (a renamed or unselected piece would only fail after training)."""

from __future__ import annotations

import re

from serenade.config import load_config
from serenade.paths import REPO_ROOT
from serenade.sources.music21_corpus import select_corpus_files


def _generation_inputs(generate: dict) -> list[str]:
    specs = []
    for entry in generate.get("interpolations", []):
        specs += [entry["from"], entry["to"]]
    for entry in generate.get("journeys", []):
        specs += list(entry["inputs"])
    for piece in generate.get("attributes", {}).get("pieces", []):
        specs.append(piece["input"])
    return specs


def test_default_generation_inputs_are_selected_by_their_sources():
    config = load_config(REPO_ROOT / "config" / "config.yaml")
    sources = {source["name"]: source for source in config["sources"]}
    specs = _generation_inputs(config["generate"])
    assert specs, "the default config should generate from the user's own pieces"
    for spec in specs:
        source_name, _, relative = spec.partition(":")
        assert source_name in sources, f"{spec}: no source named {source_name!r}"
        selection = sources[source_name].get("music21")
        if not selection:
            continue
        selected = select_corpus_files(selection["include"], selection.get("exclude", []),
                                       selection.get("limit", 0))
        # an exported piece k of corpus file dir/name.ext is dir/name_k.mid
        stem = re.sub(r"_\d+\.mid$", "", relative)
        assert any(path.rsplit(".", 1)[0] == stem for path in selected), (
            f"{spec}: {stem} is not among the {len(selected)} pieces source {source_name!r} selects")
