"""Lint: an import inside a function must avoid a slow import or an import cycle.

Everything else is imported at the top of its module, where a reader sees what it depends on.
A deferred import is allowed when it keeps a slow package (HEAVY) out of the importing
module's own import (the imported package itself, or one the imported Serenade module loads
at its top level, directly or through other modules, that the importer does not load anyway),
or when importing it at the top would close a cycle back to the importing module.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "serenade"

# Packages whose import takes a noticeable part of a second or more.
HEAVY = {"tensorflow", "keras", "mlflow", "matplotlib", "music21", "note_seq", "pretty_midi",
         "numba", "threadpoolctl", "pandas", "snakemake"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _path_of(module: str) -> Path | None:
    base = PACKAGE.parent.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    # `from serenade.x import y` may import the module serenade.x.y
    return [base] + [f"{base}.{alias.name}" for alias in node.names
                     if _path_of(f"{base}.{alias.name}")]


@cache
def _top_level_imports(module: str) -> tuple[str, ...]:
    path = _path_of(module)
    if path is None:
        return ()
    found = []
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found += _imported(node)
        elif isinstance(node, ast.If):  # `if TYPE_CHECKING:` blocks import nothing at run time
            continue
    # a package's __init__ runs first
    parent = module.rpartition(".")[0]
    if parent and parent != "serenade":
        found.append(parent)
    return tuple(found)


@cache
def _closure(module: str) -> frozenset[str]:
    seen, stack = set(), [module]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        if name.startswith("serenade"):
            stack.extend(_top_level_imports(name))
    return frozenset(seen)


def _heavy(names) -> set[str]:
    return {name.split(".")[0] for name in names} & HEAVY


def _deferred_is_justified(importer: str, imported: str) -> bool:
    """Deferring pays only for a heavy package the importer does not load anyway, or a cycle."""
    already = _heavy(_closure(importer))
    if not imported.startswith("serenade"):
        return bool(_heavy([imported]) - already)
    closure = _closure(imported)
    return importer in closure or bool(_heavy(closure) - already)


def _deferred_imports(path: Path):
    tree = ast.parse(path.read_text())
    for function in ast.walk(tree):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(function):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    yield node


def test_imports_inside_functions_avoid_a_slow_import_or_a_cycle():
    unjustified = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name.endswith("_test.py"):
            continue
        importer = _module_name(path)
        for node in _deferred_imports(path):
            names = _imported(node)
            if not any(_deferred_is_justified(importer, name) for name in names):
                unjustified.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: "
                                   f"{names[0]} (import it at the top of the module)")
    assert not unjustified, "\n".join(unjustified)
