"""Snakemake job: parse and check every MIDI file of one source's chunk (process pool)."""

from serenade.pipeline.script_setup import start

from serenade.pipeline.layout import renamed_dir

start(snakemake)

from serenade.data.convert import convert_source  # noqa: E402
from serenade.sources.chunks import Chunk  # noqa: E402
from serenade.sources.listing import Listing  # noqa: E402
from serenade.sources.local import path_source_listing  # noqa: E402

name, chunk = snakemake.wildcards.source, Chunk.parse(snakemake.wildcards.chunk)
if "listing" in snakemake.input.keys():
    listing = Listing.read(snakemake.input.listing).only(chunk)
else:  # a `path` source: display paths relative to the folder (or the glob's fixed part)
    listing = path_source_listing(name, snakemake.params.path, renamed_dir(name, chunk.name),
                                  chunk)
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
