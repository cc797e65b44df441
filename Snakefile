# Serenade: MIDI sources -> validated manifest + NoteSequence TFRecords -> MusicVAE -> music.
# `snakemake --profile profiles/default` (what `make run` does) builds `all`; `snakemake data`
# stops after the dataset. The config is validated before any job starts (workflow/rules/common.smk).

from pathlib import Path

from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/generate.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        data_targets(),
        model_targets,
        generation_targets,
        f"{RESULTS_DATA}/summary.html",  # a report page (workflow/rules/report.smk)


onsuccess:
    console.forget_run()
    # The figures a user should look at first: each model's quality against its targets.
    for _model in generation.generation_models(config):
        _check = Path(generation.model_dir(_model)) / "quality.txt"
        if _check.exists():
            print(_check.read_text(), end="")


onerror:
    console.forget_run()
