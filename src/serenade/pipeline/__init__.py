"""The pipeline layer: everything that knows about Snakemake, and nothing else does.

`layout` (every folder and file the rules declare), `wildcards` (wildcard patterns),
`models` and `generation` (the rules' input, target and param functions for the `models:` and
`generate:` sections), `joblog` (a job's log file and clean failure) and `jobs` (what every
workflow/scripts/*.py starts with: logging, threads, run-only settings). The library below
(`training`, `generation`, `data`, ...) takes plain typed arguments and never sees a
`snakemake` object. See docs/architecture.md.
"""
