# Pages for the HTML report (`snakemake --report results/report.html`): the report shows images
# and HTML inline but offers CSV and text files only as downloads, so the data summary is also
# written as an HTML table. Captions and the report's front page are in workflow/report/.


rule data_summary_table:
    input:
        summary=f"{RESULTS_DATA}/summary.csv",
        manifest=f"{RESULTS_DATA}/manifest.csv",
    output:
        report(
            f"{RESULTS_DATA}/summary.html",
            caption="../report/summary_table.rst",
            category="Data",
        ),
    log:
        layout.log("data", "summary_table"),
    conda:
        "../envs/serenade.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/data_summary_table.py"


# One page per model that plays every generated piece (piano roll + WAV, inlined, offline).
rule player:
    input:
        lambda wildcards: generation.job_dirs(config, wildcards.model),
    output:
        report(
            f"{GENERATED}/player.html",
            caption="../report/player.rst",
            category="Player",
            subcategory="{model}",
        ),
    log:
        layout.log("generate", "{model}", "player"),
    conda:
        "../envs/serenade.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/player_page.py"
