# Generation: samples, interpolations, journeys, attribute edits and music metrics from every
# model in `models:` (or `generate.models`). Outputs in results/generated/{model}/; every MIDI
# has a piano-roll PNG (and a WAV when audio is on) beside it. `snakemake generate` stops here.
# Each job is an MLflow run nested under its model's training or import run.

GENERATE = config["generate"]
GENERATED = layout.generated_dir("{model}")
GENERATION_MODELS = generation.generation_models(config)


wildcard_constraints:
    model=one_of(GENERATION_MODELS),


rule sample:
    input:
        checkpoint=generation.checkpoint("{model}"),
    output:
        report(
            directory(f"{GENERATED}/samples"),
            patterns=[
                "{temperature}/{file,strip}.{ext,png}",
                "{temperature}/{file,sample-[0-9]+}.{ext,wav}",
            ],
            caption="../report/generated_samples.rst",
            category="Samples",
            subcategory="{model}",
            labels=lambda wildcards: generation.report_label("samples", wildcards),
        ),
    log:
        "results/logs/generate/{model}/sample.log",
    conda:
        "../envs/serenade.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        sample=GENERATE["sample"],
        chords=lambda wildcards: generation.sample_chords(config, wildcards.model),
        common=generation.common_params(config),
        config_name=lambda wildcards: GENERATION_MODELS[wildcards.model]["config"],
    script:
        "../scripts/generate_samples.py"


rule interpolate:
    input:
        unpack(
            lambda wildcards: generation.input_files(
                config,
                generation.input_specs(config, "interpolations", wildcards.name),
                layout.MANIFEST,
            )
        ),
        checkpoint=generation.checkpoint("{model}"),
    output:
        report(
            directory(f"{GENERATED}/interpolations/{{name}}"),
            patterns=["{file,strip}.{ext,png}", "{file,interpolation}.{ext,wav}"],
            caption="../report/generated_interpolation.rst",
            category="Interpolations",
            subcategory="{model}",
            labels=lambda wildcards: generation.report_label("interpolation", wildcards),
        ),
    log:
        "results/logs/generate/{model}/interpolate-{name}.log",
    wildcard_constraints:
        name=one_of(e["name"] for e in GENERATE["interpolations"]),
    conda:
        "../envs/serenade.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        entry=lambda wildcards: generation.entry(config, "interpolations", wildcards.name),
        temperature=GENERATE["temperature"],
        common=generation.common_params(config),
        config_name=lambda wildcards: GENERATION_MODELS[wildcards.model]["config"],
    script:
        "../scripts/generate_walk.py"


rule journey:
    input:
        unpack(
            lambda wildcards: generation.input_files(
                config,
                generation.input_specs(config, "journeys", wildcards.name),
                layout.MANIFEST,
            )
        ),
        checkpoint=generation.checkpoint("{model}"),
    output:
        report(
            directory(f"{GENERATED}/journeys/{{name}}"),
            patterns=["{file,strip|journey}.{ext,png}", "{file,journey}.{ext,wav}"],
            caption="../report/generated_journey.rst",
            category="Journeys",
            subcategory="{model}",
            labels=lambda wildcards: generation.report_label("journey", wildcards),
        ),
    log:
        "results/logs/generate/{model}/journey-{name}.log",
    wildcard_constraints:
        name=one_of(e["name"] for e in GENERATE["journeys"]),
    conda:
        "../envs/serenade.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        entry=lambda wildcards: generation.entry(config, "journeys", wildcards.name),
        temperature=GENERATE["temperature"],
        common=generation.common_params(config),
        config_name=lambda wildcards: GENERATION_MODELS[wildcards.model]["config"],
    script:
        "../scripts/generate_walk.py"


rule attributes:
    input:
        unpack(
            lambda wildcards: generation.input_files(
                config,
                generation.attribute_input_specs(config),
                layout.MANIFEST,
            )
        ),
        checkpoint=generation.checkpoint("{model}"),
        train=shard_paths("train"),
        eval=shard_paths("eval"),
    output:
        report(
            directory(f"{GENERATED}/attributes"),
            patterns=[
                "{piece}-{file,strip}.{ext,png}",
                "{piece,[^-]+}.{ext,wav}",
                "{file,effects}.{ext,html|csv}",
            ],
            caption="../report/generated_attributes.rst",
            category="Attribute vectors",
            subcategory="{model}",
            labels=lambda wildcards: generation.report_label("attributes", wildcards),
        ),
    log:
        "results/logs/generate/{model}/attributes.log",
    conda:
        "../envs/serenade.yaml"
    threads: 2
    resources:
        mem_mb=6000,
        runtime=60,
    params:
        attributes=GENERATE["attributes"],
        labels={source["name"]: source["labels"] for source in config["sources"]},
        window=GENERATE["window"],
        temperature=GENERATE["temperature"],
        common=generation.common_params(config),
        config_name=lambda wildcards: GENERATION_MODELS[wildcards.model]["config"],
    script:
        "../scripts/generate_attributes.py"


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
        "results/logs/generate/{model}/music_metrics.log",
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
        "results/logs/generate/{model}/quality.log",
    conda:
        "../envs/serenade.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        quality=GENERATE["quality"],
        temperatures=GENERATE["sample"]["temperatures"],
        chords=lambda wildcards: generation.sample_chords(config, wildcards.model),
        seed=GENERATE["seed"],
        config_name=lambda wildcards: GENERATION_MODELS[wildcards.model]["config"],
    script:
        "../scripts/model_quality.py"


rule generate:
    input:
        generation_targets,
