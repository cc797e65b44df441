"""The argparse parser every `serenade` command uses: usage errors on one line, no
abbreviations, and an unknown flag or command reported first, with the closest known one.

argparse reports a missing required flag before an unknown one and takes `--num-output` as
`--num-outputs`; a typo should be named as such, and a prefix should not silently pick a flag.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections.abc import Sequence

_NUMBER = re.compile(r"^-\d+$|^-\d*\.\d+(e[-+]?\d+)?$", re.IGNORECASE)


def did_you_mean(word: str, known: Sequence[str]) -> str:
    """`; did you mean X?` for the closest of `known`, or '' when none is close."""
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else ""


class Parser(argparse.ArgumentParser):
    """argparse without abbreviations, with a usage error on one line and unknown flags and
    commands checked before anything else (subcommand parsers inherit the class)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")

    def parse_known_args(self, args=None, namespace=None):
        args = sys.argv[1:] if args is None else list(args)
        self._refuse_unknown(args)
        return super().parse_known_args(args, namespace)

    def _commands(self) -> dict | None:
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                return action.choices
        return None

    def _refuse_unknown(self, args: list[str]) -> None:
        """A usage error for the first unknown flag (or command), with the closest known one.
        A parser with subcommands checks its own flags and the command; the command's parser
        checks the rest."""
        known = [flag for action in self._actions for flag in action.option_strings]
        commands = self._commands()
        for token in args:
            if token == "--":
                return
            if not token.startswith("-") or token == "-" or _NUMBER.match(token):
                if commands is not None:
                    if token not in commands:
                        self.error(f"unknown command {token!r}{did_you_mean(token, list(commands))}"
                                   f" (commands: {', '.join(commands)})")
                    return
                continue
            flag = token.split("=", 1)[0]
            if flag in known or (not flag.startswith("--") and flag[:2] in known):
                continue
            self.error(f"unknown flag {flag}{did_you_mean(flag, known)}")
