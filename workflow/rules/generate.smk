# Generation: samples, interpolations, journeys, attribute edits, variations, music metrics and
# the quality check from every model in `models:` (or `generate.models`). Outputs in the model's
# generated folder (`layout.generated_dir`); every MIDI has a piano-roll PNG (and a WAV when
# audio is on) beside it. `snakemake generate` stops here.
# Each job is an MLflow run nested under its model's training or import run.

GENERATE = config["generate"]
GENERATED = layout.generated_dir("{model}")
GENERATION_MODELS = generation.generation_models(config)


wildcard_constraints:
    model=one_of(GENERATION_MODELS),


# One rule per job kind of the library's table (`serenade.generation.jobs.kinds`): what a kind
# reads, writes and shows in the report is declared there, once.
for _kind in generation.job_kinds():

    rule:
        name:
            _kind.rule
        input:
            unpack(
                lambda wildcards, kind=_kind: generation.job_inputs(
                    config, kind, wildcards.model, wildcards.get("name")
                )
            ),
        output:
            report(
                directory(generation.output_pattern(config, _kind)),
                patterns=list(_kind.patterns),
                caption="../report/generated_job.rst",
                category=_kind.category,
                subcategory="{model}",
                labels=lambda wildcards, kind=_kind: generation.report_label(kind, wildcards),
            ),
        log:
            layout.log("generate", "{model}", _kind.log_name()),
        conda:
            "../envs/serenade.yaml"
        threads: 2
        resources:
            mem_mb=_kind.memory_mb,
            runtime=_kind.runtime_min,
        params:
            kind=_kind.rule,
            settings=lambda wildcards, kind=_kind: generation.job_settings(
                config, kind, wildcards.model, wildcards.get("name")
            ),
            caption=_kind.caption,
            common=generation.common_params(config),
            config_name=lambda wildcards: GENERATION_MODELS[wildcards.model]["config"],
        script:
            "../scripts/generate_job.py"


rule music_metrics:
    input:
        samples=f"{GENERATED}/samples",
        walks=lambda wildcards: generation.walk_dirs(config, wildcards.model),
        train=shard_paths("train"),
        eval=shard_paths("eval"),
    output:
        metrics=report(
            f"{GENERATED}/metrics.csv",
            caption="../report/generated_metrics.rst",
            category="Music metrics",
            subcategory="{model}",
            labels={"output": "music metrics of every generated set: metrics.csv (download)"},
        ),
        table=report(
            f"{GENERATED}/metrics.html",
            caption="../report/generated_metrics.rst",
            category="Music metrics",
            subcategory="{model}",
            labels={"output": "music metrics of every generated set: table"},
        ),
    log:
        layout.log("generate", "{model}", "music_metrics"),
    conda:
        "../envs/serenade.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        metrics=GENERATE["metrics"],
        seed=GENERATE["seed"],
        config_name=lambda wildcards: GENERATION_MODELS[wildcards.model]["config"],
    script:
        "../scripts/music_metrics.py"


rule quality:
    input:
        checkpoint=generation.checkpoint("{model}"),
        eval=shard_paths("eval"),
        train=shard_paths("train"),
        walks=lambda wildcards: generation.walk_dirs(config, wildcards.model),
    output:
        figures=f"{GENERATED}/quality.json",
        check=report(
            f"{GENERATED}/quality.txt",
            caption="../report/generated_quality.rst",
            category="Quality",
            subcategory="{model}",
            labels={"output": "figures against their targets"},
        ),
        strip=report(
            f"{GENERATED}/reconstructions.png",
            caption="../report/generated_quality.rst",
            category="Quality",
            subcategory="{model}",
            labels={"output": "held-out windows and their reconstructions"},
        ),
    log:
        layout.log("generate", "{model}", "quality"),
    conda:
        "../envs/serenade.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        quality=GENERATE["quality"],
        temperatures=GENERATE["sample"]["temperatures"],
        prior=lambda wildcards: generation.sample_prior(config, wildcards.model),
        chords=lambda wildcards: generation.sample_chords(config, wildcards.model),
        seed=GENERATE["seed"],
        config_name=lambda wildcards: GENERATION_MODELS[wildcards.model]["config"],
    script:
        "../scripts/model_quality.py"


rule generate:
    input:
        generation_targets,
