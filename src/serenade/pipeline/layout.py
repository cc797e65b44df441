"""Where the workflow reads and writes: the one place each output folder is named.

Rules declare their outputs and logs with these; scripts take their folders from
`snakemake.output`. The results folder itself, and the names library code also needs (the
dataset, logs), come from `serenade.layout`.
"""

from __future__ import annotations

from serenade.data.shards import shard_name
from serenade.layout import DATA, RESULTS, log  # noqa: F401 (the rules read them as layout.X)

RAW = "data/raw"  # fetched and exported sources
MANIFEST = f"{DATA}/manifest.csv"
MODELS = f"{RESULTS}/models"
GENERATED = f"{RESULTS}/generated"


def raw_dir(source: str) -> str:
    """Where a `url` source is downloaded (and a `music21` one exported)."""
    return f"{RAW}/{source}"


def parse_dir(source: str, chunk: str) -> str:
    """One parse chunk's results (`serenade.sources.chunks`): files.csv, sequences.tfrecord,
    skipped.csv."""
    return f"{DATA}/sources/{source}/{chunk}"


def renamed_dir(source: str, chunk: str) -> str:
    """Copies, under safe names, of a `path` source's files whose names are not text."""
    return f"{raw_dir(source)}/renamed/{chunk}"


def benchmark(rule: str, job: str) -> str:
    """Snakemake's time and memory record of one job (seconds, max_rss in MB, ...)."""
    return f"{RESULTS}/benchmarks/{rule}/{job}.tsv"


def shard_paths(split: str, count: int) -> list[str]:
    """The NoteSequence TFRecord shards of a split ('train' or 'eval')."""
    return [f"{DATA}/notesequences/{shard_name(split, index, count)}" for index in range(count)]


def model_dir(name: str) -> str:
    """A trained or imported model: checkpoint/, eval.json, config.yaml, ..."""
    return f"{MODELS}/{name}"


def checkpoint(name: str) -> str:
    """A model's checkpoint folder (Serenade format), what generation loads."""
    return f"{model_dir(name)}/checkpoint"


def generated_dir(model: str) -> str:
    """Everything generated from one model."""
    return f"{GENERATED}/{model}"
