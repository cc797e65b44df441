"""Open MLflow's UI on the runs: start `mlflow server` on the project's store and open each
experiment's runs table.

The store is results/mlflow/mlflow.db (or --tracking-uri, or $MLFLOW_TRACKING_URI). MLflow 3.17
opens an experiment clicked in its list in the GenAI view (traces, "Overview") in a browser
that never switched its sidebar to "Model training"; the links printed here open the runs
table whatever the browser remembers. Ctrl-C stops the server.
"""

from __future__ import annotations

import argparse
import signal
import sys
import webbrowser

from serenade import layout
from serenade.commands.options import int_at_least
from serenade.training import mlflow_ui


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--results-dir", default=layout.RESULTS,
                        help="the workflow's results folder, whose mlflow/mlflow.db is the store "
                             f"(default {layout.RESULTS})")
    parser.add_argument("--tracking-uri", default=None,
                        help="another MLflow store (default $MLFLOW_TRACKING_URI, else the "
                             "results folder's)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address the server listens on (default 127.0.0.1: this machine "
                             "only)")
    parser.add_argument("--port", type=int_at_least(1), default=5000,
                        help="port of the server (default 5000)")
    parser.add_argument("--no-browser", action="store_true",
                        help="print the links without opening a browser")


def _stop(signum, frame):  # SIGTERM stops the server as Ctrl-C does
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    uri = args.tracking_uri or mlflow_ui.default_store(args.results_dir)
    signal.signal(signal.SIGTERM, _stop)
    print(f"starting MLflow's UI on {uri} ...", flush=True)
    with mlflow_ui.running_server(uri, args.host, args.port) as base:
        links = mlflow_ui.experiment_links(uri, base)
        if links:
            print("runs table of each experiment (newest first):")
            width = max(len(link.name) for link in links)
            for link in links:
                print(f"  {link.name:<{width}}  {link.runs:>4} run{'s'[:link.runs != 1]}  {link.url}")
        else:
            print("no runs in this store yet")
        opened = links[0].url if links else mlflow_ui.experiments_url(base)
        print(f"open {opened}  (Ctrl-C stops the server)", flush=True)
        if not args.no_browser:
            webbrowser.open(opened)
        try:
            signal.pause() if hasattr(signal, "pause") else input()
        except KeyboardInterrupt:
            pass
    print("MLflow's UI stopped", file=sys.stderr)
    return 0
