"""Snakemake job: download a `url` source (and extract it when it is an archive)."""

import logging
from pathlib import Path

from serenade.pipeline.script_setup import start
from serenade.pipeline.joblog import clean_failure

start(snakemake)

from serenade.sources.archives import ArchiveLimits  # noqa: E402
from serenade.sources.download import DownloadSettings, fetch_url_source  # noqa: E402

name = snakemake.wildcards.source
with clean_failure("download_source"):
    listing = fetch_url_source(
        name,
        snakemake.params.url,
        Path(snakemake.output[0]).parent,
        sha256=snakemake.params.sha256,
        # Run-only settings (timeouts, retries) come from the config, not params: they do not
        # change what is downloaded, so changing them must not rerun the job.
        settings=DownloadSettings.from_config(snakemake.config["data"]["download"]),
        limits=ArchiveLimits.from_config(snakemake.params.archives),
    )
    for entry in listing.skipped:
        logging.info("skipped %s: %s", entry["path"], entry["reason"])
    for entry in listing.failed:
        logging.warning("refused %s: %s", entry["path"], entry["reason"])
    listing.write(snakemake.output[0])
