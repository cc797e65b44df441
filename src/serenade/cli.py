"""The `serenade` command line: one subcommand per module in `serenade.commands`.

Each command module exposes `configure(parser)` to declare its flags and `run(args) -> int`.
Heavy imports (TensorFlow, note-seq) happen inside `run`, so `serenade --help` stays fast.

Bad input never prints a traceback: a bad flag is one usage line (exit status 2), and bad
files or values (`serenade.errors.EXPECTED_ERRORS`) are one line naming the file or flag and
the reason (exit status 1). SERENADE_TRACEBACK=1 shows the traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from serenade.commands.options import LOG_FORMAT, LOG_LEVELS
from serenade.commands.parser import Parser
from serenade.errors import EXPECTED_ERRORS, UserError, one_line

# Subcommands, in the order `serenade --help` lists them; each is serenade.commands.NAME (with
# `-` spelled `_`).
COMMANDS = ("data", "extract", "encode", "decode", "sample", "interpolate", "journey", "attributes",
            "groove", "train", "quality", "fit-prior", "export-js", "ui")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="serenade", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"serenade.commands.{name.replace('-', '_')}")
        doc = (module.__doc__ or "").strip().splitlines()
        command = sub.add_parser(name, help=doc[0] if doc else None, description=module.__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
        module.configure(command)
        command.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "log", None):
        logging.basicConfig(level=LOG_LEVELS[args.log], format=LOG_FORMAT)
    try:
        check = getattr(args, "_check", None)
        if check is not None:  # flags that depend on each other, before any model is built
            check(args)
        return int(args._run(args) or 0)
    except KeyboardInterrupt:
        print(f"serenade {args.command}: interrupted", file=sys.stderr)
        return 130
    except EXPECTED_ERRORS as error:
        if os.environ.get("SERENADE_TRACEBACK"):
            raise
        # A UserError's message is written to be shown (it may add detail lines); a library's
        # message is folded onto one line.
        message = str(error) if isinstance(error, UserError) else one_line(error)
        print(f"serenade {args.command}: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
