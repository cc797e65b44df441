"""What a workflow job shows on the console: its progress lines and, once per run, a warning.

Everything else a job says goes to its log file only (`joblog.log_to`). Progress is what the
library logs under `serenade.progress` (`serenade.base.progress`), shown in its short form and
prefixed with the job (rule and wildcards), as Snakemake runs jobs side by side. A Python
warning is shown once per run however many jobs issue it: the first job to claim its marker
file under `.snakemake/serenade-once/<run>/` shows it. The run is `SERENADE_RUN_ID`, set by the
Snakefile (`new_run`) and inherited by every job it starts; without it (a job run by hand)
each process shows each warning once.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import uuid
import warnings
from pathlib import Path
from typing import TextIO

from serenade.base.progress import is_progress

RUN_ID = "SERENADE_RUN_ID"
MARKERS = Path(".snakemake") / "serenade-once"


def new_run() -> None:
    """Name this Snakemake run for its jobs (kept if a parent process already named it)."""
    os.environ.setdefault(RUN_ID, uuid.uuid4().hex)


def forget_run() -> None:
    """Remove this run's markers (at the end of the run)."""
    run = os.environ.get(RUN_ID)
    if run:
        shutil.rmtree(MARKERS / run, ignore_errors=True)


def first_in_run(key: str) -> bool:
    """True for the first job of this run to ask about `key` (claims a marker file)."""
    run = os.environ.get(RUN_ID)
    if not run:
        return True
    folder = MARKERS / run
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / hashlib.sha256(key.encode()).hexdigest()[:32]
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


class _ConsoleFilter(logging.Filter):
    """Progress lines, and the first of each warning of the run."""

    def filter(self, record: logging.LogRecord) -> bool:
        once = getattr(record, "once_key", None)
        if once is not None:
            return first_in_run(once)
        return is_progress(record)


class _ConsoleFormatter(logging.Formatter):
    def __init__(self, prefix: str):
        super().__init__()
        self.prefix = prefix

    def format(self, record: logging.LogRecord) -> str:
        text = getattr(record, "short", None) or record.getMessage()
        return f"[{self.prefix}] {text}" if self.prefix else text


def console_handler(stream: TextIO, prefix: str) -> logging.Handler:
    """A handler that writes what the console shows (see module docstring) to `stream`."""
    handler = logging.StreamHandler(stream)
    handler.addFilter(_ConsoleFilter())
    handler.setFormatter(_ConsoleFormatter(prefix))
    return handler


def _log_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """`warnings.showwarning` for jobs: the whole warning to the log, its text once per run
    to the console."""
    text = f"{category.__name__}: {message}"
    logging.getLogger("py.warnings").warning(
        "%s", warnings.formatwarning(message, category, filename, lineno, line).rstrip(),
        extra={"short": text, "once_key": text})


def route_warnings() -> None:
    """Send Python warnings through `_log_warning` (instead of stderr)."""
    warnings.showwarning = _log_warning
