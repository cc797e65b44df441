"""Logging for workflow jobs: messages and any traceback go to the rule's `log:` file."""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from serenade.errors import EXPECTED_ERRORS, UserError, one_line


def log_to(path: str) -> None:
    """Send logging and stderr (uncaught tracebacks, warnings) to `path`."""
    stream = open(path, "a", encoding="utf-8", buffering=1)
    sys.stderr = stream
    logging.basicConfig(stream=stream, level=logging.INFO, force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.captureWarnings(True)
    warnings.filterwarnings("ignore", message="Couldn't find ffmpeg")  # pydub, via note-seq


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
