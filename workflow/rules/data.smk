# Data: fetch or export each source, parse every file, then build the manifest and the
# NoteSequence TFRecords. `snakemake data` stops here. Fetching and exporting are checkpoints:
# once a source's listing is written, each parse chunk reruns only if its part of the listing
# changed (common.smk, `chunk_fingerprint`).

PARSE_CHUNK = layout.parse_dir("{source}", "{chunk}")  # outputs of parse_source


checkpoint download_source:
    output:
        f"{RAW}/{{source}}/download.json",
    log:
        layout.log("data", "download_source", "{source}"),
    benchmark:
        layout.benchmark("download_source", "{source}")
    conda:
        "../envs/serenade.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=60,
    params:
        url=lambda wildcards: SOURCES[wildcards.source]["url"],
        sha256=lambda wildcards: SOURCES[wildcards.source].get("sha256", ""),
        archives=DATA["archives"],
    script:
        "../scripts/download_source.py"


checkpoint export_music21:
    output:
        f"{RAW}/{{source}}/export.json",
    log:
        layout.log("data", "export_music21", "{source}"),
    benchmark:
        layout.benchmark("export_music21", "{source}")
    conda:
        "../envs/serenade.yaml"
    threads: DATA["workers"]
    resources:
        mem_mb=2000,
        runtime=60,
    params:
        selection=lambda wildcards: SOURCES[wildcards.source]["music21"],
    script:
        "../scripts/export_music21.py"


rule parse_source:
    input:
        unpack(parse_source_input),
    output:
        files=f"{PARSE_CHUNK}/files.csv",
        sequences=f"{PARSE_CHUNK}/sequences.tfrecord",
        skipped=f"{PARSE_CHUNK}/skipped.csv",
    log:
        layout.log("data", "parse_source", "{source}", "{chunk}"),
    benchmark:
        layout.benchmark("parse_source", "{source}/{chunk}")
    conda:
        "../envs/serenade.yaml"
    threads: DATA["workers"]
    resources:
        mem_mb=3000,
        runtime=60,
    params:
        path=lambda wildcards: SOURCES[wildcards.source].get("path", ""),
        files=chunk_fingerprint,
        parser=DATA["parser"],
        window_columns=models.window_columns(config),
    script:
        "../scripts/parse_source.py"


# A checkpoint: which models the data can train is known once the manifest is written
# (`skipped_models` in common.smk).
checkpoint build_dataset:
    input:
        files=parsed("files.csv"),
        sequences=parsed("sequences.tfrecord"),
        skipped=parsed("skipped.csv"),
    output:
        manifest=report(
            f"{RESULTS_DATA}/manifest.csv",
            caption="../report/manifest.rst",
            category="Data",
        ),
        summary=report(
            f"{RESULTS_DATA}/summary.txt",
            caption="../report/summary.rst",
            category="Data",
        ),
        summary_csv=f"{RESULTS_DATA}/summary.csv",
        skipped=f"{RESULTS_DATA}/skipped.csv",
        quarantine=directory(f"{RESULTS_DATA}/quarantine"),
        train=shard_paths("train"),
        eval=shard_paths("eval"),
    log:
        layout.log("data", "build_dataset"),
    benchmark:
        layout.benchmark("build_dataset", "all")
    conda:
        "../envs/serenade.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        sources=[
            {key: source.get(key) for key in ("name", "labels", "license", "origin")}
            for source in config["sources"]
        ],
        eval_fraction=DATA["eval_fraction"],
        window_columns=list(models.window_columns(config)),
    script:
        "../scripts/build_dataset.py"


rule data:
    input:
        data_targets(),
