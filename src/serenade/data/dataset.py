"""The dataset from the parsed sources: manifest, summary, quarantine and the NoteSequence
TFRecord shards of each split (what the workflow's build_dataset rule and `serenade data`
write)."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from serenade.conversion.columns import window_columns
from serenade.data.convert import convert_source
from serenade.data.manifest import (assemble_manifest, summarize, summary_text, write_quarantine,
                                    write_shards)
from serenade.data.shards import shard_name
from serenade.sources.archives import ArchiveLimits
from serenade.sources.download import DownloadSettings, fetch_url_source
from serenade.sources.local import path_source_listing

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DatasetPaths:
    """Where the dataset goes."""

    manifest: str | os.PathLike
    summary: str | os.PathLike
    summary_csv: str | os.PathLike
    skipped: str | os.PathLike
    quarantine: str | os.PathLike
    train: Sequence[str | os.PathLike]
    eval: Sequence[str | os.PathLike]


@dataclass(frozen=True)
class ParsedSource:
    """One source's parse outputs (`serenade.data.convert.convert_source`)."""

    rows: str | os.PathLike
    sequences: str | os.PathLike
    skipped: str | os.PathLike


def build_dataset(parsed: Sequence[ParsedSource], sources: Sequence[Mapping], out: DatasetPaths,
                  *, eval_fraction: float, window_columns: Sequence[str]) -> str:
    """Write every output of `out` from the parsed sources; returns the summary text.
    `sources`: name, labels, license and origin of each source."""
    frames = [pd.read_csv(p.rows, keep_default_na=False, na_values=[""], dtype={"sha256": str})
              for p in parsed]
    manifest = assemble_manifest(frames, list(sources), eval_fraction=eval_fraction,
                                 train_shards=len(out.train), eval_shards=len(out.eval),
                                 window_columns=window_columns)
    counts = write_shards(manifest, [p.sequences for p in parsed],
                          {"train": list(out.train), "eval": list(out.eval)})
    quarantined = write_quarantine(manifest, out.quarantine)
    manifest.to_csv(out.manifest, index=False)
    skipped = pd.concat([pd.read_csv(p.skipped, keep_default_na=False) for p in parsed],
                        ignore_index=True)
    skipped.to_csv(out.skipped, index=False)
    summary = summarize(manifest)
    summary.to_csv(out.summary_csv, index=False)
    text = summary_text(summary, manifest, skipped)
    with open(out.summary, "w", encoding="utf-8") as handle:
        handle.write(text)
    log.info("records written: %s; %d invalid files quarantined\n%s", counts, quarantined, text)
    return text


def make_dataset(sources: Sequence[Mapping], out_dir: str | os.PathLike, data: Mapping, *,
                 config_names: Sequence[str] = ()) -> str:
    """Everything `snakemake data` makes, in one process and under `out_dir`: each source
    (validated `sources:` entries with `path` or `url`) fetched into raw/<name>/ and parsed into
    sources/<name>/, then the manifest, summary, quarantine and notesequences/ shards. `data`:
    the validated `data:` section; `config_names`: configs whose windows the manifest counts.
    Returns the summary text."""
    out = Path(out_dir)
    columns = window_columns(config_names)
    parsed = []
    for source in sources:
        name = source["name"]
        raw = out / "raw" / name
        if "url" in source:
            listing = fetch_url_source(name, source["url"], raw, sha256=source.get("sha256", ""),
                                       settings=DownloadSettings.from_config(data["download"]),
                                       limits=ArchiveLimits.from_config(data["archives"]))
        else:
            listing = path_source_listing(name, source["path"], raw / "renamed")
        folder = out / "sources" / name
        paths = ParsedSource(folder / "files.csv", folder / "sequences.tfrecord",
                             folder / "skipped.csv")
        convert_source(name, [(entry["path"], entry["file"]) for entry in listing.files],
                       listing.failed, skipped=listing.skipped, rows_path=paths.rows,
                       records_path=paths.sequences, skipped_path=paths.skipped,
                       workers=data["workers"], parser=data["parser"], window_columns=columns)
        parsed.append(paths)
    shards = {split: [out / "notesequences" / shard_name(split, i, count) for i in range(count)]
              for split, count in (("train", data["train_shards"]), ("eval", data["eval_shards"]))}
    for paths in shards.values():
        paths[0].parent.mkdir(parents=True, exist_ok=True)
    meta = [{key: source.get(key) for key in ("name", "labels", "license", "origin")}
            for source in sources]
    return build_dataset(parsed, meta, DatasetPaths(
        out / "manifest.csv", out / "summary.txt", out / "summary.csv", out / "skipped.csv",
        out / "quarantine", shards["train"], shards["eval"]),
        eval_fraction=data["eval_fraction"], window_columns=list(columns))
