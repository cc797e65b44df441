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
        "results/logs/data/summary_table.log",
    conda:
        "../envs/serenade.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/data_summary_table.py"
