"""Logging for workflow jobs: messages and any traceback go to the rule's `log:` file; the
console shows only progress and, once per run, each warning (`pipeline.console`)."""

from __future__ import annotations

import logging
import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from serenade.errors import EXPECTED_ERRORS, UserError, one_line
from serenade.pipeline.console import console_handler, route_warnings


def log_to(path: str, console_prefix: str = "") -> None:
    """Send logging, stderr and file descriptor 2 to `path`; progress and warnings also to the
    console, each line prefixed with `console_prefix` (the job).

    Descriptor 2 is what the console was: moving it to the log sends there what writes to it
    directly, below Python: TensorFlow's C++ logging (oneDNN notices, the CUDA probe's
    "cuInit: UNKNOWN ERROR (303)" on a machine without a GPU) and worker processes. So these
    stay whole in the log, at every level, and off the console, with no TF_CPP_MIN_LOG_LEVEL
    to pick (which would drop them from the log too)."""
    stream = open(path, "a", encoding="utf-8", buffering=1)
    sys.stderr.flush()
    console = os.fdopen(os.dup(2), "w", encoding="utf-8", buffering=1)
    os.dup2(stream.fileno(), 2)
    sys.stderr = stream
    to_file = logging.StreamHandler(stream)
    to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(handlers=[to_file, console_handler(console, console_prefix)],
                        level=logging.INFO, force=True)
    route_warnings()
    # pydub (imported by note-seq) warns about an ffmpeg Serenade never uses.
    warnings.filterwarnings("ignore", message="Couldn't find ffmpeg")


@contextmanager
def clean_failure(job: str) -> Iterator[None]:
    """Bad input (a URL that fails, an unusable checkpoint) ends the job with one log line
    naming the file or URL and the reason, and exit status 1. Library errors (OSError,
    ValueError) log their traceback first, in case they are a bug; the last line says why."""
    log = logging.getLogger(job)
    try:
        yield
    except EXPECTED_ERRORS as error:
        if not isinstance(error, UserError):
            log.info("details of the error below:", exc_info=True)
        log.error("%s", one_line(error))
        raise SystemExit(1) from None
