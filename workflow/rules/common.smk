# Shared helpers: config validation and input functions. Rules stay thin; the work is in
# src/serenade (called from workflow/scripts/*.py); the paths and the input, target and
# wildcard functions are in serenade.pipeline.

import functools

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
from serenade.pipeline import layout
from serenade.pipeline.wildcards import one_of
from serenade.sources.chunks import Chunk
from serenade.sources.local import snakemake_inputs

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
    """The JSON listing a fetch/export rule writes for a url or music21 source."""
    kind = source_kind(SOURCES[name])
    return {
        "url": f"{layout.raw_dir(name)}/download.json",
        "music21": f"{layout.raw_dir(name)}/export.json",
    }[kind]


@functools.cache
def path_source_inputs(name):
    """A `path` source's files per parse chunk, listed once per planning."""
    return snakemake_inputs(SOURCES[name]["path"], len(CHUNKS[name]))


def parse_source_input(wildcards):
    """Input of parse_source: the listing of a fetched source, or the files of one chunk of a
    `path` source.

    For a `path` source the files themselves are the input, so adding, removing or changing a
    MIDI file there reruns parsing of its chunk (and everything after it). Files Snakemake
    cannot take as inputs (odd names) reach the job through `untracked_files` below instead.
    """
    source = SOURCES[wildcards.source]
    if source_kind(source) == "path":
        chunk = Chunk.parse(wildcards.chunk)
        return {"files": path_source_inputs(wildcards.source).tracked[chunk.index]}
    return {"listing": source_listing(wildcards.source)}


def parsed(name):
    """One output (files.csv, sequences.tfrecord or skipped.csv) of every parse chunk."""
    return [
        f"{layout.parse_dir(source, chunk.name)}/{name}"
        for source in SOURCES
        for chunk in CHUNKS[source]
    ]


def untracked_files(wildcards):
    """A fingerprint of the files of a `path` source that Snakemake cannot track (names with
    undecodable bytes, control characters or braces): a param, so changing them reruns parsing.
    """
    source = SOURCES[wildcards.source]
    if source_kind(source) != "path":
        return ""
    return path_source_inputs(wildcards.source).untracked_fingerprint


def url_source_names():
    return [name for name, source in SOURCES.items() if source_kind(source) == "url"]


def music21_source_names():
    return [name for name, source in SOURCES.items() if source_kind(source) == "music21"]
