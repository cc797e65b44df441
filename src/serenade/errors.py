"""Errors that mean "bad input", and how they are shown: one line naming the file or flag and
the reason, never a traceback.

The CLI dispatcher and the workflow's job scripts catch `EXPECTED_ERRORS` and print `one_line`;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class UserError(Exception):
    """Input the user can fix (a file, a flag, a setting); the message names it and says why."""


# What bad input raises, from Serenade or from the libraries it calls: OSError (missing or
# unreadable files), ValueError (bad values: hparams, numbers, JSON, numpy files), UserError.
EXPECTED_ERRORS: tuple[type[BaseException], ...] = (UserError, OSError, ValueError)


def one_line(error: BaseException, *, with_type: bool = False) -> str:
    """The error's message on one line (an OSError as `file: reason`), after its type's name
    when `with_type` (for errors from a library, whose message alone may not say much)."""
    if isinstance(error, OSError) and error.strerror and error.filename is not None:
        text = f"{error.filename}: {error.strerror}"
    else:
        text = str(error)
    text = " ".join(text.split())
    name = type(error).__name__
    if not text:
        return name
    return f"{name}: {text}" if with_type else text
