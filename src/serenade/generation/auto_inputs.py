"""`auto` generation inputs: pieces and attributes picked from the user's own data, so that a
config needs no file names of a particular corpus.

The rule (docs/generation.md):
- Candidates are the manifest's valid files that give at least one window of the model's
  config: those of the eval split first, then (for small collections) those of the train split,
  each ranked by their number of windows, then by path.
- The `auto` inputs of one interpolation or journey take the best remaining candidate of each
  source in turn (sources ordered by their best candidate), so that pieces of different
  sources meet when there are several; no file is used twice in one entry.
- Attribute names `auto`: the model family's computed attributes (`FeatureSet.defaults`) plus
  every source label that some sources carry and others do not (a label on every file has no
  windows without it).
- Attribute pieces `auto`: for each label attribute, the best candidate of a source without
  that label, pushed towards it (`more_<label>`); with no label attribute, the best candidate
  pushed away from the first computed one (`less_<attribute>`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from serenade.conversion.columns import column_for
from serenade.errors import UserError

AUTO = "auto"


class AutoInputError(UserError):
    """The data holds too few pieces for the `auto` inputs asked for."""


def is_auto(value: object) -> bool:
    return isinstance(value, str) and value == AUTO


@dataclass(frozen=True)
class Candidate:
    """A file of the user's data that generation may use."""

    source: str
    path: str  # relative to the source (the manifest's `path` column)
    windows: int
    labels: tuple[str, ...]
    split: str

    @property
    def spec(self) -> str:
        """The generation input naming it (`source:relative/path`)."""
        return f"{self.source}:{self.path}"


def candidates(manifest: str | Path, config_name: str) -> list[Candidate]:
    """The ranked candidates for a model of `config_name` (see the module docstring)."""
    import pandas as pd

    table = pd.read_csv(manifest, dtype=str, keep_default_na=False)
    column = column_for(config_name, list(table.columns))
    if column is None:
        raise AutoInputError(f"manifest {manifest} has no window count for config {config_name} "
                             "(rerun `snakemake data` with this model in `models:`)")
    found = []
    for row in table[table["status"] == "ok"].to_dict("records"):
        windows = int(float(row[column] or 0))
        if windows > 0:
            labels = tuple(json.loads(row["labels"] or "[]"))
            found.append(Candidate(row["source"], row["path"], windows, labels, row["split"]))
    split_order = {"eval": 0, "train": 1}
    return sorted((c for c in found if c.split in split_order),
                  key=lambda c: (split_order[c.split], -c.windows, c.source, c.path))


def pick(ranked: Sequence[Candidate], count: int, exclude: Sequence[str] = ()) -> list[Candidate]:
    """`count` candidates, the best remaining of each source in turn, none of `exclude`."""
    by_source: dict[str, list[Candidate]] = {}
    for candidate in ranked:
        if candidate.spec not in exclude:
            by_source.setdefault(candidate.source, []).append(candidate)
    queues = list(by_source.values())  # in order of each source's best candidate
    picked: list[Candidate] = []
    while len(picked) < count and any(queues):
        for queue in queues:
            if queue and len(picked) < count:
                picked.append(queue.pop(0))
    return picked


def resolve_specs(specs: Sequence[str], manifest: str | Path | None, config_name: str,
                  what: str) -> list[str]:
    """`specs` with every `auto` replaced by a picked `source:path`; `what` names the entry in
    errors ("interpolation 'pair'")."""
    wanted = sum(is_auto(spec) for spec in specs)
    if not wanted:
        return list(specs)
    if manifest is None:
        raise AutoInputError(f"{what}: `auto` inputs are picked from the manifest; none was given")
    explicit = [spec for spec in specs if not is_auto(spec)]
    ranked = candidates(manifest, config_name)
    picked = pick(ranked, wanted, exclude=explicit)
    if len(picked) < wanted:
        raise AutoInputError(
            f"{what}: {wanted} auto inputs need as many files with {config_name} windows "
            f"in {manifest}; found {len(picked)}. Name the inputs "
            "(file paths or source:relative/path) or add music")
    found = iter(picked)
    return [next(found).spec if is_auto(spec) else spec for spec in specs]


def label_attributes(sources: Sequence[Mapping]) -> list[str]:
    """Labels that some sources carry and others do not, in order of first use."""
    labels = [label for source in sources for label in source.get("labels", [])]
    return [label for label in dict.fromkeys(labels)
            if not all(label in source.get("labels", []) for source in sources)]


def attribute_names(names: Sequence[str] | str, defaults: Sequence[str],
                    sources: Sequence[Mapping]) -> list[str]:
    """The attribute names to compute: `names`, or for `auto` the family's defaults and the
    label attributes of the sources."""
    if is_auto(names):
        return [*defaults, *label_attributes(sources)]
    return list(names)


def attribute_pieces(names: Sequence[str], sources: Sequence[Mapping], ranked: Sequence[Candidate],
                     strength: float) -> list[dict]:
    """The `auto` pieces to edit (`pieces` entries): see the module docstring."""
    labels = [name for name in names if name in label_attributes(sources)]
    pieces = []
    for label in labels:
        chosen = [c for c in ranked if label not in c.labels][:1]
        pieces += [{"name": f"more_{label}", "input": c.spec, "attribute": label,
                    "strength": strength} for c in chosen]
    computed = [name for name in names if name not in labels]
    if not labels and computed and ranked:
        pieces.append({"name": f"less_{computed[0]}", "input": ranked[0].spec,
                       "attribute": computed[0], "strength": -strength})
    return pieces
