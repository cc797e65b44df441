"""Assemble the manifest from the per-source results: dedupe, split, shard, summarize, and
write the NoteSequence TFRecord shards and the quarantine."""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd

from note_seq.protobuf import music_pb2

from serenade.data.inspection import WINDOW_COLUMNS
from serenade.data.split import shard_for, split_for
from serenade.base.tfrecords import read_framed, spread_framed
from serenade.sources.names import DistinctPaths

log = logging.getLogger(__name__)

# Shard files written at once by `write_shards`, well under the usual limit of 1,024 open files.
OPEN_SHARDS = 256

MANIFEST_COLUMNS = [
    "source", "path", "sha256", "status", "reason", "split", "tracks", "programs", "notes",
    "duration_s", "tempos", "time_signatures", "has_drums", "labels", "license",
    *WINDOW_COLUMNS, "size_bytes", "shard", "file",
]


def manifest_columns(window_columns: Iterable[str] = WINDOW_COLUMNS) -> list[str]:
    """The manifest's columns with these window columns (`inspection.window_columns`)."""
    base = [c for c in MANIFEST_COLUMNS if c not in WINDOW_COLUMNS]
    at = base.index("size_bytes")
    return [*base[:at], *window_columns, *base[at:]]


def _window_columns(frame: pd.DataFrame) -> list[str]:
    return [column for column in frame.columns if column.startswith("windows_")]


def assemble_manifest(frames: list[pd.DataFrame], sources: list[dict], *, eval_fraction: float,
                      train_shards: int, eval_shards: int,
                      window_columns: Iterable[str] = WINDOW_COLUMNS) -> pd.DataFrame:
    """One row per input file, in config source order then path order (window columns: those
    the per-source results counted, `window_columns`).

    The first file with given content keeps its status; later copies become `duplicate`.
    Valid files get a split and a shard from their content hash.
    """
    meta = {source["name"]: source for source in sources}
    parts = []
    for source in sources:  # a source's frames: one per parse chunk
        matching = [frame for frame in frames
                    if not frame.empty and frame["source"].iloc[0] == source["name"]]
        if matching:
            parts.append(pd.concat(matching, ignore_index=True).sort_values("path", kind="stable"))
    window_columns = list(window_columns)
    columns = manifest_columns(window_columns)
    manifest = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    for column in columns:
        if column not in manifest:  # a column added since the source was parsed
            manifest[column] = pd.NA
    manifest["sha256"] = manifest["sha256"].fillna("").astype(str)
    for column in ("reason", "file", "programs", "tempos", "time_signatures"):
        manifest[column] = manifest[column].fillna("").astype(str)

    first_seen: dict[str, int] = {}
    for index, sha in manifest["sha256"].items():
        if not sha:
            continue
        if sha in first_seen:
            original = manifest.loc[first_seen[sha]]
            manifest.at[index, "reason"] = (
                f"same content as {original['source']}:{original['path']}"
                + (" (which is invalid)" if original["status"] == "invalid" else ""))
            manifest.at[index, "status"] = "duplicate"
        else:
            first_seen[sha] = index

    ok = manifest["status"] == "ok"
    manifest["split"] = ""
    manifest.loc[ok, "split"] = [split_for(sha, eval_fraction) for sha in manifest.loc[ok, "sha256"]]
    manifest["shard"] = pd.Series([pd.NA] * len(manifest), dtype="Int64")
    for split, count in (("train", train_shards), ("eval", eval_shards)):
        chosen = manifest["split"] == split
        manifest.loc[chosen, "shard"] = [shard_for(sha, count) for sha in manifest.loc[chosen, "sha256"]]
    manifest["labels"] = [json.dumps(meta[name].get("labels") or []) for name in manifest["source"]]
    manifest["license"] = [meta[name].get("license") or "" for name in manifest["source"]]
    for column in ("tracks", "notes", *window_columns, "size_bytes"):
        manifest[column] = pd.to_numeric(manifest[column], errors="coerce").astype("Int64")
    return manifest[columns]


def write_shards(manifest: pd.DataFrame, record_files: list[str | os.PathLike],
                 shard_paths: dict[str, list[str]], *, open_files: int = OPEN_SHARDS
                 ) -> dict[str, int]:
    """Copy each valid file's record from the per-source TFRecords into its split's shard,
    streaming: records go straight from one file to the other (at most `open_files` shards
    open at once; more take one pass over the records per group)."""
    targets = [(split, shard, path) for split, paths in shard_paths.items()
               for shard, path in enumerate(paths)]
    target_of = {(split, shard): number for number, (split, shard, _) in enumerate(targets)}
    wanted = {(row.source, row.path): target_of[row.split, int(row.shard)]
              for row in manifest.itertuples() if row.status == "ok"}
    counts = [0] * len(targets)
    for first in range(0, len(targets), open_files):
        group = range(first, min(first + open_files, len(targets)))
        written = spread_framed([targets[number][2] for number in group],
                                _placed_records(record_files, wanted, group))
        for number, count in zip(group, written):
            counts[number] = count
    if sum(counts) != len(wanted):
        raise RuntimeError(f"{len(wanted) - sum(counts)} valid files have no NoteSequence record; "
                           "the per-source results are out of date (rerun parse_source)")
    totals = {split: 0 for split in shard_paths}
    for (split, _, _), count in zip(targets, counts):
        totals[split] += count
    return totals


def _placed_records(record_files: list[str | os.PathLike], wanted: dict[tuple[str, str], int],
                    group: range) -> Iterator[tuple[int, bytes]]:
    """(position in `group`, framed record) for each wanted record whose shard is in `group`."""
    for record_file in record_files:
        for data, framed in read_framed(record_file, verify=False):
            sequence = music_pb2.NoteSequence.FromString(data)
            target = wanted.get((sequence.collection_name, sequence.filename))
            if target is not None and target in group:
                yield target - group.start, framed


def write_quarantine(manifest: pd.DataFrame, folder: str | os.PathLike) -> int:
    """Copy every invalid file that has bytes into `folder`/{source}/{path}, plus reasons.csv.

    Archive members go under a folder named after the archive; every copy gets its own safe,
    distinct name (see `names.DistinctPaths`), whatever the original name.
    """
    folder = Path(folder)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    invalid = manifest[manifest["status"] == "invalid"]
    names = DistinctPaths()
    copied = 0
    for row in invalid.itertuples():
        if row.file and os.path.isfile(row.file):
            target = folder / names.allocate(f"{row.source}/{row.path.replace('!', '/')}")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(row.file, target)
            copied += 1
    invalid[["source", "path", "sha256", "reason"]].to_csv(folder / "reasons.csv", index=False)
    return copied


def summarize(manifest: pd.DataFrame) -> pd.DataFrame:
    """Files and windows per source and split, plus invalid and duplicate counts per source."""
    window_columns = _window_columns(manifest)
    rows = []
    for source, group in manifest.groupby("source", sort=False):
        for split in ("train", "eval"):
            chosen = group[group["split"] == split]
            rows.append({"source": source, "split": split, "files": len(chosen),
                         **{column: _sum(chosen[column]) for column in window_columns}})
        for status in ("invalid", "duplicate"):
            rows.append({"source": source, "split": status,
                         "files": int((group["status"] == status).sum()),
                         **{column: pd.NA for column in window_columns}})
    for split in ("train", "eval"):
        chosen = manifest[manifest["split"] == split]
        rows.append({"source": "(all)", "split": split, "files": len(chosen),
                     **{column: _sum(chosen[column]) for column in window_columns}})
    summary = pd.DataFrame(rows, columns=["source", "split", "files", *window_columns])
    for column in ("files", *window_columns):
        summary[column] = summary[column].astype("Int64")
    return summary


def _sum(column: pd.Series):
    """Sum of a window column; <NA> when nothing was counted (no valid file)."""
    return int(column.sum()) if column.notna().any() else pd.NA


def summary_text(summary: pd.DataFrame, manifest: pd.DataFrame, skipped: pd.DataFrame) -> str:
    lines = [f"Serenade data summary: {len(manifest)} input files, "
             f"{int((manifest['status'] == 'ok').sum())} valid, "
             f"{int((manifest['status'] == 'invalid').sum())} invalid, "
             f"{int((manifest['status'] == 'duplicate').sum())} duplicate",
             "", summary.astype(object).where(summary.notna(), "-").to_string(index=False)]
    invalid = manifest[manifest["status"] == "invalid"]
    if len(invalid):
        lines += ["", "Invalid files (copied to quarantine/, beside this summary, where they have "
                      "bytes):"]
        lines += [f"  {row.source}: {row.path}: {row.reason}" for row in invalid.itertuples()]
    if len(skipped):
        lines += ["", "Archive members skipped (not MIDI):"]
        lines += [f"  {row.source}: {row.path}: {row.reason}" for row in skipped.itertuples()]
    return "\n".join(lines) + "\n"
