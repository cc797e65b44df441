"""Turn MIDI folders and URLs into a dataset: manifest, quarantine and NoteSequence TFRecords
(what `snakemake data` makes, without Snakemake).

Each SOURCE is a folder, a glob or a URL (a .mid file or a .zip/.tar.gz archive), optionally
named: `my_tunes=/home/me/midi`. Outputs under --output (default results/data): manifest.csv,
summary.txt, quarantine/, notesequences/{train,eval}-*.tfrecord, plus raw/ (downloads) and
sources/ (each source's parse). Bad files are reported in the manifest and kept aside in
quarantine/; they never stop the others.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from serenade import layout
from serenade.commands.options import add_setting_option
from serenade.config import validate_config

URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sources", nargs="+", metavar="SOURCE",
                        help="[NAME=]FOLDER, GLOB or URL (.mid/.midi/.zip/.tar.gz/.tgz)")
    parser.add_argument("--output", "-o", type=Path, default=Path(layout.DATA),
                        help=f"output folder (default {layout.DATA})")
    parser.add_argument("--label", action="append", default=[], metavar="NAME=LABEL",
                        help="give source NAME a label (for attribute vectors); repeatable")
    parser.add_argument("--models", nargs="*", default=[], metavar="CONFIG",
                        help="configs whose windows the manifest counts besides the melody ones "
                             "(e.g. cat-drums_2bar_small)")
    add_setting_option(parser, "data.eval_fraction", "--eval-fraction", type=float)
    add_setting_option(parser, "data.train_shards", "--train-shards", type=int)
    add_setting_option(parser, "data.eval_shards", "--eval-shards", type=int)
    add_setting_option(parser, "data.workers", "--workers", type=int)
    add_setting_option(parser, "data.parser", "--parser")


def source_entries(specs: list[str], labels: list[str]) -> list[dict]:
    """`sources:` entries for `[NAME=]LOCATION` specs and `NAME=LABEL` labels."""
    entries = []
    for spec in specs:
        name, sep, location = spec.partition("=")
        if not sep or URL.match(spec):
            name, location = "", spec
        if not name:  # a folder's or file's name, made a valid source name
            stem = Path(location.split("?")[0].rstrip("/")).name.split(".")[0] or "source"
            name = re.sub(r"[^A-Za-z0-9_.-]", "_", stem).lstrip("_.-") or "source"
        entries.append({"name": name, "url" if URL.match(location) else "path": location})
    by_name = {entry["name"]: entry for entry in entries}
    for text in labels:
        name, sep, label = text.partition("=")
        if not sep or name not in by_name:
            raise ValueError(f"--label {text!r}: give NAME=LABEL with NAME one of "
                             f"{', '.join(by_name)}")
        by_name[name].setdefault("labels", []).append(label)
    return entries


def run(args: argparse.Namespace) -> int:
    from serenade.data.dataset import make_dataset  # note-seq and pandas: not for --help

    entries = source_entries(args.sources, args.label)
    config = validate_config({
        "sources": entries,
        "data": {"eval_fraction": args.eval_fraction, "train_shards": args.train_shards,
                 "eval_shards": args.eval_shards, "workers": args.workers, "parser": args.parser},
        "models": [{"name": f"m{i}", "config": name, "train": {}}
                   for i, name in enumerate(args.models)],
    }, check_files=True, generation=False)
    text = make_dataset(config["sources"], args.output, config["data"], config_names=args.models)
    print(text, end="")
    print(f"wrote {args.output / 'manifest.csv'} and {args.output / 'notesequences'}/",
          file=sys.stderr)
    return 0
