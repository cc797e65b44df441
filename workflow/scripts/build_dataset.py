"""Snakemake job: manifest, summary, quarantine and NoteSequence TFRecord shards."""

import logging

from serenade.pipeline.jobs import start

import pandas as pd

from serenade.data.manifest import (assemble_manifest, summarize, summary_text, write_quarantine,
                                    write_shards)

start(snakemake)
frames = [pd.read_csv(path, keep_default_na=False, na_values=[""], dtype={"sha256": str})
          for path in snakemake.input.files]
manifest = assemble_manifest(
    frames, snakemake.params.sources,
    eval_fraction=snakemake.params.eval_fraction,
    train_shards=len(snakemake.output.train),
    eval_shards=len(snakemake.output.eval),
    window_columns=snakemake.params.window_columns,
)
counts = write_shards(manifest, snakemake.input.sequences,
                      {"train": list(snakemake.output.train), "eval": list(snakemake.output.eval)})
quarantined = write_quarantine(manifest, snakemake.output.quarantine)
manifest.to_csv(snakemake.output.manifest, index=False)
skipped = pd.concat([pd.read_csv(path, keep_default_na=False) for path in snakemake.input.skipped],
                    ignore_index=True)
skipped.to_csv(snakemake.output.skipped, index=False)
summary = summarize(manifest)
summary.to_csv(snakemake.output.summary_csv, index=False)
text = summary_text(summary, manifest, skipped)
with open(snakemake.output.summary, "w", encoding="utf-8") as handle:
    handle.write(text)
logging.info("records written: %s; %d invalid files quarantined\n%s", counts, quarantined, text)
print(text, end="")
