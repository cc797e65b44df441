"""Inspect many MIDI files in parallel (`serenade.base.pool`) and write one source's results.

Output per source: a CSV with one row per input file (see `inspection.Inspection`) and a
TFRecord holding the NoteSequences of the valid ones, in row order.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from serenade.conversion.columns import WINDOW_COLUMNS
from serenade.data.inspection import Inspection, inspect_file
from serenade.base.pool import ordered_imap
from serenade.base.tfrecords import write_framed
from serenade.sources.digest import sha256_of

log = logging.getLogger(__name__)


def convert_source(source: str, files: list[tuple[str, str]], failed: list[dict], *,
                   rows_path: str | os.PathLike, records_path: str | os.PathLike,
                   skipped: list[dict] = (), skipped_path: str | os.PathLike | None = None,
                   workers: int = 1, parser: str = "fast",
                   window_columns: Mapping[str, str] = WINDOW_COLUMNS) -> pd.DataFrame:
    """Inspect `files` ([(display path, file on disk)]) of one source and write its outputs.

    `failed` lists inputs that exist but could not be obtained (unsafe archive members,
    music21 pieces that would not export); they become `invalid` rows too. `skipped` lists
    archive members that are not MIDI; they are only reported (written to `skipped_path`).
    `window_columns` ({column: config name}, `inspection.window_columns`): the windows counted.
    """
    columns = dict(window_columns)
    jobs = [(source, path, file, parser, True, columns) for path, file in files]
    rows = []

    def records():  # streamed: a source's NoteSequences are never all in memory at once
        for row, record in ordered_imap(inspect_file, jobs, workers=workers):
            rows.append(row)
            if record is not None:
                yield record

    count = write_framed(records_path, records())
    for entry in failed:
        file = entry.get("file", "")
        sha256 = ""
        if file and os.path.isfile(file):
            sha256 = sha256_of(file)  # streamed: a rejected archive can be large
        rows.append(Inspection(source=source, path=entry["path"], file=file, sha256=sha256,
                               status="invalid", reason=entry["reason"]).row(columns))
    frame = pd.DataFrame(rows, columns=list(Inspection(source="", path="", file="").row(columns)))
    Path(rows_path).parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(rows_path, index=False)
    if skipped_path is not None:
        pd.DataFrame([{"source": source, **entry} for entry in skipped],
                     columns=["source", "path", "reason"]).to_csv(skipped_path, index=False)
    log.info("%s: %d files, %d valid, %d invalid", source, len(frame), count,
             int((frame["status"] == "invalid").sum()))
    return frame
