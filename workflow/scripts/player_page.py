"""Snakemake job: the page that plays every generated piece of a model, for the report."""

import logging
from pathlib import Path

from serenade.pipeline.script_setup import start

start(snakemake)

from serenade.generation.player_page import write_player_page  # noqa: E402

count = write_player_page(Path(snakemake.output[0]).parent, snakemake.output[0],
                          f"Generated music of {snakemake.wildcards.model}")
logging.getLogger("serenade").info("wrote %s (%d pieces)", snakemake.output[0], count)
