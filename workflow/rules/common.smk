# Shared helpers: config validation and input functions. Rules stay thin; the work is in
# src/serenade (called from workflow/scripts/*.py); the paths and the input, target and
# wildcard functions are in serenade.pipeline.

import functools
import os
import sys

import serenade.pipeline.generation as generation
import serenade.pipeline.models as models
from serenade.config import (
    ConfigError,
    generation_problems,
    source_chunks,
    source_kind,
    validate_config,
)
from serenade.config_schema import raise_problems
from serenade.pipeline import console, layout
from serenade.pipeline.wildcards import one_of
from serenade.sources.chunks import Chunk
from serenade.sources.listing import Listing
from serenade.sources.local import chunk_fingerprints

# Validate once, before anything is planned: every default is filled in from the schema, and
# every problem (in any section, a `path` source that matches no file included) stops here in
# one message, one line per problem naming the key and the reason. After this, rules and
# scripts read `config[key]` directly. Problems of `generate:` stop only the runs that
# generate (`generation_targets`), so that `snakemake data` never waits on them.
try:
    validate_config(config, check_files=True, generation=False)
except ConfigError as error:
    raise WorkflowError(str(error)) from None
GENERATION_PROBLEMS = generation_problems(config)

# Name this run for its jobs: each shows a warning on the console once per run, not per job.
console.new_run()


SOURCES = {source["name"]: source for source in config["sources"]}
DATA = config["data"]
CHUNKS = {name: source_chunks(source, DATA) for name, source in SOURCES.items()}
RAW = layout.RAW
RESULTS_DATA = layout.DATA


wildcard_constraints:
    source=one_of(SOURCES),
    split="train|eval",
    chunk=one_of({chunk.name for chunks in CHUNKS.values() for chunk in chunks}),


def shard_paths(split):
    return layout.shard_paths(split, DATA[f"{split}_shards"])


def data_targets():
    """Everything `snakemake data` builds: manifest, summary and TFRecord shards."""
    return [
        layout.MANIFEST,
        f"{RESULTS_DATA}/summary.txt",
        *shard_paths("train"),
        *shard_paths("eval"),
    ]


def source_listing(name):
    """The JSON listing a fetch/export checkpoint wrote for a url or music21 source (planning
    waits for the checkpoint to finish before it reads this)."""
    kind = source_kind(SOURCES[name])
    fetched = {"url": checkpoints.download_source, "music21": checkpoints.export_music21}[kind]
    return fetched.get(source=name).output[0]


@functools.cache
def path_source_fingerprints(name):
    """A `path` source's fingerprint per parse chunk, its folder listed once per planning."""
    return chunk_fingerprints(SOURCES[name]["path"], len(CHUNKS[name]))


@functools.cache
def listing_fingerprints(path, modified_ns, chunks):
    """A written listing's fingerprint per parse chunk, read once per version of the file."""
    return Listing.read(path).chunk_fingerprints(chunks)


def parse_source_input(wildcards):
    """Input of parse_source: the listing of a fetched source, as `ancient`: a rewritten
    listing reruns only the chunks whose fingerprint changed (below); none for a `path`
    source, whose files reach the job through that fingerprint alone."""
    if source_kind(SOURCES[wildcards.source]) == "path":
        return {}
    return {"listing": ancient(source_listing(wildcards.source))}


def chunk_fingerprint(wildcards):
    """A param of a parse job: the digest of its chunk's part of the source, so adding,
    removing or changing a file reruns that chunk alone (and what follows). For a `path`
    source, its files' display paths, sizes and modification times: not the files as inputs,
    since Snakemake cannot take every name as one, and it checks each input of a waiting job
    at every scheduling round, minutes at 100,000 files. For a fetched source, its listing's
    entries with their SHA-256."""
    index = Chunk.parse(wildcards.chunk).index
    if source_kind(SOURCES[wildcards.source]) == "path":
        return path_source_fingerprints(wildcards.source)[index]
    listing = source_listing(wildcards.source)
    modified = os.stat(listing).st_mtime_ns
    return listing_fingerprints(listing, modified, len(CHUNKS[wildcards.source]))[index]


def parsed(name):
    """One output (files.csv, sequences.tfrecord or skipped.csv) of every parse chunk."""
    return [
        f"{layout.parse_dir(source, chunk.name)}/{name}"
        for source in SOURCES
        for chunk in CHUNKS[source]
    ]


def url_source_names():
    return [name for name, source in SOURCES.items() if source_kind(source) == "url"]


def music21_source_names():
    return [name for name, source in SOURCES.items() if source_kind(source) == "music21"]


_SKIP_NOTICES = set()


def skipped_models():
    """Models the dataset gives nothing to train on (after build_dataset, a checkpoint), each
    announced once: the run goes on without them."""
    manifest = checkpoints.build_dataset.get().output.manifest
    skipped = models.without_windows(config, manifest)
    for name, reason in skipped.items():
        if name not in _SKIP_NOTICES:
            _SKIP_NOTICES.add(name)
            print(f"Serenade: {reason}", file=sys.stderr)
    return list(skipped)


def model_targets(wildcards):
    """What `snakemake train` and `all` train or import."""
    return models.targets(config, skipped_models())


def generation_targets(wildcards):
    """What `snakemake generate` and `all` build; a problem of `generate:` stops them here,
    before any job runs, printed as the other config problems are (one line each). Snakemake
    wraps any Exception of an input function in a traceback stanza; SystemExit passes."""
    try:
        raise_problems(GENERATION_PROBLEMS)
    except ConfigError as error:
        print(error, file=sys.stderr)
        raise SystemExit(1) from None
    return generation.targets(config, skipped_models())
