"""Lint: each package imports only the layers below it, as docs/architecture.md draws them.

Deferred imports count too: a layer may not reach up, even inside a function.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "serenade"
ARCHITECTURE = PACKAGE.parents[1] / "docs" / "architecture.md"

# imported by every layer: they import nothing from Serenade but errors and paths (the config
# registry is plain data: see docs/architecture.md)
COMMON = {"errors", "paths", "layout", "config_schema", "registry"}
FAMILIES = {"melody", "drums", "trio", "chords", "groove", "multiperf"}  # one converter package per model family
BELOW = {
    "base": set(),
    "sources": {"base"},
    # drums reuse melody's piece splitting and MIDI writing; trio is melody + bass + drums
    "melody": {"base"},
    "drums": {"base", "melody"},
    "chords": {"base", "melody"},
    "trio": {"base", "melody", "drums"},
    "groove": {"base", "melody", "drums"},  # GrooVAE's converter: drum pitch classes
    "multiperf": {"base", "melody"},  # magenta's multi-instrument performances
    "conversion": {"base"} | FAMILIES,
    "data": {"base", "sources", "conversion"},
    "models": {"base", "sources", "conversion"},
    "tracking": {"models"},  # MLflow runs and the metrics CSV, for training and generation
    "training": {"base", "sources", "conversion", "models", "tracking"},
    # a GrooVAE model's generation jobs run the groove family's jobs and figures
    "generation": {"base", "conversion", "melody", "drums", "groove", "models", "tracking",
                   "html_tables"},
    "config": {"sources", "models", "training", "generation"},
    "pipeline": {"config", "generation", "training", "models", "data", "conversion", "base"},
    # GrooVAE's own jobs (humanize, tap, add-hihat) and figures are the groove family's
    "commands": {"generation", "training", "models", "data", "conversion", "base", "config",
                 "groove"},
    "cli": {"commands"},
    "config_schema": set(),
    "registry": set(),
    "layout": set(),
    "html_tables": set(),
}


def _imports_by_package() -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        if path.name.endswith("_test.py"):
            continue
        package = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "serenade":
                names = [f"serenade.{alias.name}" for alias in node.names]  # from serenade import x
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                parts = name.split(".")
                if parts[0] == "serenade" and len(parts) > 1 and parts[1] != package:
                    found[package].add(parts[1])
    return found


def test_every_package_imports_only_layers_below_it():
    violations = []
    for package, imported in sorted(_imports_by_package().items()):
        allowed = BELOW.get(package)
        assert allowed is not None, f"serenade.{package} is not placed in a layer (see BELOW)"
        violations += [f"serenade.{package} imports serenade.{name}"
                       for name in sorted(imported - allowed - COMMON)]
    assert not violations, "\n".join(violations)


def _documented_layers() -> dict[str, set[str]]:
    """docs/architecture.md's table of what each package imports."""
    rows = {}
    for line in ARCHITECTURE.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| `") and len(cells) == 2:
            names = {name.strip("` ") for name in cells[1].split(",")} - {"", "nothing"}
            rows[cells[0].strip("`")] = names
    return rows


def test_the_architecture_doc_lists_what_each_package_imports():
    """The doc's table is the imports this lint reads (the layers below, common modules aside),
    so a reader's picture of the layers is the code's."""
    found = _imports_by_package()
    actual = {package: found.get(package, set()) - COMMON for package in BELOW}
    documented = _documented_layers()
    assert documented == actual, "update the table in docs/architecture.md:\n" + "\n".join(
        f"| `{package}` | {', '.join(f'`{name}`' for name in sorted(names)) or 'nothing'} |"
        for package, names in actual.items())
