"""Snakemake job: parse and check every MIDI file of one source (process pool)."""

import logging

from serenade.data.joblog import log_to
import os

from serenade.data.convert import convert_source
from serenade.sources.listing import Listing
from serenade.sources.local import path_source_root

log_to(snakemake.log[0])
name = snakemake.wildcards.source
if "listing" in snakemake.input.keys():
    listing = Listing.read(snakemake.input.listing)
    files = [(entry["path"], entry["file"]) for entry in listing.files]
    failed, skipped = listing.failed, listing.skipped
else:  # a `path` source: display paths relative to the folder (or the glob's fixed part)
    root = path_source_root(snakemake.params.path)
    files = [(os.path.relpath(file, root), file) for file in snakemake.input.files]
    failed, skipped = [], []
convert_source(
    name, files, failed,
    skipped=skipped,
    rows_path=snakemake.output.files,
    records_path=snakemake.output.sequences,
    skipped_path=snakemake.output.skipped,
    workers=snakemake.threads,
    parser=snakemake.params.parser,
)
