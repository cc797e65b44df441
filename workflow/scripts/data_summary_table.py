"""Snakemake job: the data summary and the files not used, as an HTML page for the report."""

import logging

from serenade.pipeline.script_setup import start

start(snakemake)

import pandas as pd  # noqa: E402
from serenade.html_tables import write_html_tables  # noqa: E402

summary = pd.read_csv(snakemake.input.summary)
manifest = pd.read_csv(snakemake.input.manifest)
not_used = manifest.loc[manifest["status"] != "ok", ["source", "path", "status", "reason"]]
ok = manifest["status"] == "ok"
write_html_tables(
    snakemake.output[0],
    "Data: files and windows per source and split",
    [("Summary", summary), (f"Files not used ({len(not_used)})", not_used)],
    f"{ok.sum()} of {len(manifest)} input files are used; the manifest (manifest.csv) has one "
    "row per file with the reason for every file not used.",
)
logging.getLogger("serenade").info("wrote %s", snakemake.output[0])
