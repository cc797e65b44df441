"""Helpers shared by the tests (tests/ and src/serenade/**/*_test.py) and bench/.

Not part of the `serenade` package, so the wheel ships none of it: pytest puts the repository
root on the path (`pythonpath` in pyproject.toml), bench/ scripts put it there themselves.
Modules: `fixtures` (the recorded magenta fixtures and their models), `music_files` (MIDI files
and TFRecords written for a test), `workflow` (running Snakemake), `http_server` (a loopback
server for downloads).
"""
