"""Snakemake job: export a selection of music21's corpus to MIDI files."""

import logging

from serenade.data.joblog import log_to

from serenade.sources.music21_corpus import export_corpus

log_to(snakemake.log[0])
name = snakemake.wildcards.source
listing = export_corpus(name, snakemake.params.selection, f"data/raw/{name}/files",
                        workers=snakemake.threads)
for entry in listing.failed:
    logging.warning("not exported %s: %s", entry["path"], entry["reason"])
listing.write(snakemake.output[0])
