"""The kinds of generation job, each declared once: the table the workflow is built from.

A kind is one `JobKind`, registered by the module of this package that implements it. From the
declarations follow the workflow's generation rules and targets (`workflow/rules/generate.smk`),
the checks of `generate:` entries (`serenade.config`), the report's captions and row labels and
the player page's order. Adding a kind takes a module here (its `run_*` function and its
`register(JobKind(...))`), its section of `generate:` in the config schema, a test and the docs.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

# `generate:` values a kind may read besides its own section (`JobKind.shared`); the workflow
# resolves them per model (`serenade.pipeline.generation.shared_value`).
SHARED = ("seed", "temperature", "window", "chords", "sources", "labels", "prior")


@dataclass(frozen=True)
class JobRequest:
    """What one job is asked to make: its settings (its entry or section, defaults filled, and
    the shared values it reads), the entry's name (named kinds) and its input files."""

    settings: Mapping[str, Any]
    name: str | None = None
    train: Sequence[str] = ()
    eval: Sequence[str] = ()
    manifest: str | None = None


class Caption:
    """A report caption: reStructuredText with Jinja fields (`{{ wildcards.model }}`), rendered
    by the report for each file, with the pattern's wildcards (`temperature`, `piece`) too.

    A rule passes it as a param for the report template to call; Snakemake leaves params that
    are not plain values out of its rerun check, so editing a caption reruns no job."""

    def __init__(self, text: str) -> None:
        self.text = " ".join(text.split())

    def render(self, wildcards: Any) -> str:
        return jinja2.Template(self.text).render(wildcards=wildcards)

    def __repr__(self) -> str:
        return f"Caption({self.text[:40]!r}...)"


@dataclass(frozen=True)
class JobKind:
    """One kind of generation job: what it reads, what it writes and how the report shows it."""

    rule: str  # the workflow rule, the MLflow job and the log file: "interpolate"
    section: str  # its section of `generate:`: "interpolations"
    folder: str  # its folder in a model's generated folder
    order: int  # its place among the kinds: targets, report, player page
    run: Callable[..., Path]  # run(JobContext, JobRequest) -> the folder written
    caption: Caption
    category: str  # the report's category
    patterns: tuple[str, ...]  # its files the report shows (Snakemake report patterns)
    label: Callable[[Callable[[str], str]], str]  # a report row's label, from a wildcard getter
    named: bool = False  # the section is a list of named entries: one job and folder each
    shared: tuple[str, ...] = ("seed",)  # `SHARED` values it reads besides its section
    inputs: Callable[[Mapping[str, Any]], list[str]] = lambda settings: []  # input specs
    wanted: Callable[[Mapping[str, Any]], bool] = lambda section: True  # unnamed kinds: asked for?
    splits: bool = False  # reads the train and eval shards
    walk: bool = False  # a latent walk: its path.npz and endpoints.json feed metrics and quality
    memory_mb: int = 4000
    runtime_min: int = 30
    # applies(model config) -> whether it runs for that model: by default the models of class
    # windows; samples and walks take GrooVAE's float windows too, humanize only them
    applies: Callable[[Any], bool] = lambda model_config: not model_config.groove

    def __post_init__(self) -> None:
        unknown = set(self.shared) - set(SHARED)
        if unknown:
            raise ValueError(f"job kind {self.rule!r}: unknown shared values {sorted(unknown)}")

    def entries(self, generate: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """Its entries in a `generate:` section of the schema's shape (one, unnamed kinds)."""
        section = generate[self.section]
        if self.named:
            return list(section)
        return [section] if self.wanted(section) else []

    def entry(self, generate: Mapping[str, Any], name: str | None = None) -> Mapping[str, Any]:
        """Its section, or (a named kind) the entry called `name`."""
        if not self.named:
            return generate[self.section]
        return next(e for e in generate[self.section] if e["name"] == name)

    def output_dir(self, model_dir: str, name: str | None = None) -> str:
        """Its output folder in a model's generated folder (`name`: a named kind's entry)."""
        return f"{model_dir}/{self.folder}/{name}" if self.named else f"{model_dir}/{self.folder}"

    def log_name(self, name: str = "{name}") -> str:
        """Its log file's name in the model's log folder."""
        return f"{self.rule}-{name}" if self.named else self.rule


_KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> JobKind:
    """Add a kind to the table (its module calls this when imported)."""
    for other in _KINDS.values():
        if other.rule != kind.rule and kind.folder == other.folder:
            raise ValueError(f"job kinds {other.rule!r} and {kind.rule!r} share folder {kind.folder!r}")
    _KINDS[kind.rule] = kind
    return kind


@functools.cache
def _import_every_module() -> None:
    """Import each module of this package once, so that each registers its kinds (whether or
    not some were imported, and registered, before)."""
    package = importlib.import_module(__package__)
    for module in pkgutil.iter_modules(package.__path__):
        if not module.name.endswith("_test"):
            importlib.import_module(f"{__package__}.{module.name}")


def job_kinds() -> list[JobKind]:
    """Every kind, in their `order`."""
    _import_every_module()
    return sorted(_KINDS.values(), key=lambda kind: kind.order)


def job_kind(rule: str) -> JobKind:
    """The kind whose rule is `rule`; KeyError naming the known ones otherwise."""
    kinds = {kind.rule: kind for kind in job_kinds()}
    if rule not in kinds:
        raise KeyError(f"no generation job kind {rule!r}; known: {', '.join(kinds)}")
    return kinds[rule]
