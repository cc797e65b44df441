"""The `serenade` command line: one subcommand per module in `serenade.commands`.

Each command module exposes `configure(parser)` to declare its flags and `run(args) -> int`.
Heavy imports (TensorFlow, note-seq) happen inside `run`, so `serenade --help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# name on the command line -> module under serenade.commands
COMMANDS: dict[str, str] = {
    "extract": "extract",
    "encode": "encode",
    "decode": "decode",
    "sample": "sample",
    "interpolate": "interpolate",
    "train": "train",
    "quality": "quality",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="serenade", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        try:
            module = importlib.import_module(f"serenade.commands.{module_name}")
        except ModuleNotFoundError as error:
            if error.name != f"serenade.commands.{module_name}":
                raise
            continue  # command not built yet
        doc = (module.__doc__ or "").strip().splitlines()
        command = sub.add_parser(name, help=doc[0] if doc else None, description=module.__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
        module.configure(command)
        command.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args._run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
