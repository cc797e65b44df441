# Models: train MusicVAEs on the dataset or import published checkpoints; evaluate both on the
# eval split and log them to MLflow (one experiment per config). `snakemake train` stops here.
# Resume checkpoints live in results/checkpoints/, outside the declared outputs, so a killed
# or failed job resumes instead of starting over (Snakemake deletes a failed job's outputs).

MODEL = layout.model_dir("{name}")  # outputs of both rules
TRAINED = models.trained(config)
IMPORTED = models.imported(config)


rule train_model:
    input:
        unpack(
            lambda wildcards: models.train_inputs(
                TRAINED[wildcards.name],
                shard_paths("train"),
                shard_paths("eval"),
                layout.MANIFEST,
            )
        ),
    output:
        checkpoint=directory(f"{MODEL}/checkpoint"),
        eval=f"{MODEL}/eval.json",
        resolved_config=f"{MODEL}/config.yaml",
        metrics=f"{MODEL}/metrics.csv",
        curve=report(
            f"{MODEL}/training-curve.png",
            caption="../report/training_curve.rst",
            category="Models",
        ),
    log:
        layout.log("train", "{name}"),
    wildcard_constraints:
        name=one_of(TRAINED),
    conda:
        "../envs/serenade.yaml"
    threads: lambda wildcards: TRAINED[wildcards.name]["resources"]["threads"]
    # No `gpu` here: a local run needs none to use a GPU TensorFlow sees, and would show
    # `gpu=1` on a machine without one; profiles/slurm asks Slurm for one (set-resources).
    resources:
        mem_mb=lambda wildcards: TRAINED[wildcards.name]["resources"]["mem_mb"],
        runtime=lambda wildcards: TRAINED[wildcards.name]["resources"]["runtime"],
    params:
        config_name=lambda wildcards: TRAINED[wildcards.name]["config"],
        hparams=lambda wildcards: TRAINED[wildcards.name]["hparams"],
        train=lambda wildcards: TRAINED[wildcards.name]["train"],
    script:
        "../scripts/train_model.py"


rule import_model:
    input:
        unpack(
            lambda wildcards: models.import_inputs(IMPORTED[wildcards.name], shard_paths("eval"))
        ),
    output:
        checkpoint=directory(f"{MODEL}/checkpoint"),
        eval=f"{MODEL}/eval.json",
        resolved_config=f"{MODEL}/config.yaml",
    log:
        layout.log("import", "{name}"),
    wildcard_constraints:
        name=one_of(IMPORTED),
    conda:
        "../envs/serenade.yaml"
    threads: 2
    resources:
        mem_mb=lambda wildcards: IMPORTED[wildcards.name]["resources"]["mem_mb"],
        runtime=lambda wildcards: IMPORTED[wildcards.name]["resources"]["runtime"],
    params:
        config_name=lambda wildcards: IMPORTED[wildcards.name]["config"],
        hparams=lambda wildcards: IMPORTED[wildcards.name]["hparams"],
        checkpoint=lambda wildcards: IMPORTED[wildcards.name]["checkpoint"],
    script:
        "../scripts/import_model.py"


rule train:
    input:
        model_targets,
