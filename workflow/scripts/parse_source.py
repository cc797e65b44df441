"""Snakemake job: parse and check every MIDI file of one source (process pool)."""

from serenade.pipeline.jobs import start

from serenade.data.convert import convert_source
from serenade.pipeline.layout import raw_dir
from serenade.sources.listing import Listing
from serenade.sources.local import path_source_listing

start(snakemake)
name = snakemake.wildcards.source
if "listing" in snakemake.input.keys():
    listing = Listing.read(snakemake.input.listing)
else:  # a `path` source: display paths relative to the folder (or the glob's fixed part)
    listing = path_source_listing(name, snakemake.params.path, f"{raw_dir(name)}/renamed")
convert_source(
    name, [(entry["path"], entry["file"]) for entry in listing.files], listing.failed,
    skipped=listing.skipped,
    rows_path=snakemake.output.files,
    records_path=snakemake.output.sequences,
    skipped_path=snakemake.output.skipped,
    workers=snakemake.threads,
    parser=snakemake.params.parser,
    window_columns=snakemake.params.window_columns,
)
