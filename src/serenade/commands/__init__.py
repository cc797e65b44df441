"""Subcommands of the `serenade` CLI, one module each (see `serenade.cli`)."""
