"""Export a model for the web browser, in magenta.js's MusicVAE checkpoint format.

Writes OUTPUT/config.json (magenta.js's MusicVAE spec: the data converter of --config),
OUTPUT/weights_manifest.json and its float32 weight shards, under magenta's variable names.
Serve the folder over HTTP and load it with `new mm.MusicVAE(URL)` (@magenta/music). Configs
magenta.js cannot run (a multi-layer flat encoder, a hierarchical decoder without magenta's
hierarchical encoder, a GrooVAE encoder input magenta.js's GrooveConverter cannot make, a
multi-instrument performance with a chord per event) are refused with the reason. GrooVAE
(GrooveConverter) and multi-instrument (MultitrackConverter) models export too. A
chord-conditioned melody model takes magenta.js's `{chordProgression: [...]}`, a GrooVAE model
conditioned on hits `{extraControls: {hits: [steps, 9]}}`.
"""

from __future__ import annotations

import argparse

from serenade.commands.options import add_model_options, load_from_args, output_directory
from serenade.models.magenta_js import export_model, model_spec


def configure(parser: argparse.ArgumentParser) -> None:
    add_model_options(parser, groove=True)  # GrooVAE too (magenta.js's GrooveConverter)
    parser.add_argument("--output", required=True, type=output_directory,
                        help="folder to write config.json, weights_manifest.json and shards to")


def run(args: argparse.Namespace) -> int:
    model = load_from_args(args)
    model_spec(model.config)  # refuses a config magenta.js cannot run before writing
    directory = export_model(model, args.output)
    print(f"exported {model.config.name} for magenta.js -> {directory}")
    return 0
