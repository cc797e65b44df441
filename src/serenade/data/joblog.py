"""Logging for workflow jobs: messages and any traceback go to the rule's `log:` file."""

from __future__ import annotations

import logging
import sys
import warnings


def log_to(path: str) -> None:
    """Send logging and stderr (uncaught tracebacks, warnings) to `path`."""
    stream = open(path, "a", encoding="utf-8", buffering=1)
    sys.stderr = stream
    logging.basicConfig(stream=stream, level=logging.INFO, force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.captureWarnings(True)
    warnings.filterwarnings("ignore", message="Couldn't find ffmpeg")  # pydub, via note-seq
