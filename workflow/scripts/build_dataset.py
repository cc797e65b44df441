"""Snakemake job: manifest, summary, quarantine and NoteSequence TFRecord shards."""

from serenade.pipeline.script_setup import start

start(snakemake)

from serenade.data.dataset import DatasetPaths, ParsedSource, build_dataset  # noqa: E402

parsed = [ParsedSource(rows, sequences, skipped) for rows, sequences, skipped
          in zip(snakemake.input.files, snakemake.input.sequences, snakemake.input.skipped)]
out = snakemake.output
text = build_dataset(
    parsed, snakemake.params.sources,
    DatasetPaths(out.manifest, out.summary, out.summary_csv, out.skipped, out.quarantine,
                 list(out.train), list(out.eval)),
    eval_fraction=snakemake.params.eval_fraction,
    window_columns=snakemake.params.window_columns,
)
print(text, end="")
