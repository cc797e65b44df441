"""Snakemake job: export a selection of music21's corpus to MIDI files."""

import logging
from pathlib import Path

from serenade.pipeline.script_setup import start

start(snakemake)

from serenade.sources.music21_corpus import export_corpus  # noqa: E402

name = snakemake.wildcards.source
listing = export_corpus(name, snakemake.params.selection, Path(snakemake.output[0]).parent / "files",
                        workers=snakemake.threads)
for entry in listing.failed:
    logging.warning("not exported %s: %s", entry["path"], entry["reason"])
listing.write(snakemake.output[0])
