"""Generation inputs as users write them: a file path, or `source:relative/path` of a file that
one of the configured sources brought in (the `path` column of the manifest).

`source:` inputs are looked up in the manifest (results/data/manifest.csv), whose `file` column
says where the fetched file lives; for a `path` source not yet in a manifest, the file is taken
relative to the source's folder.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

SOURCE_SPEC = re.compile(r"^(?P<source>[A-Za-z0-9][A-Za-z0-9_.-]*):(?P<path>[^:].*)$")


def parse_spec(spec: str, source_names: Sequence[str]) -> tuple[str | None, str]:
    """(source, relative path) for `source:path` with a known source, else (None, spec)."""
    match = SOURCE_SPEC.match(spec)
    if match and match["source"] in source_names:
        return match["source"], match["path"]
    return None, spec


def needs_manifest(specs: Sequence[str], source_names: Sequence[str]) -> bool:
    return any(parse_spec(spec, source_names)[0] for spec in specs)


def resolve_input(spec: str, sources: Sequence[Mapping], manifest: str | Path | None = None) -> Path:
    """The local file behind `spec`; FileNotFoundError naming the spec and where it looked."""
    names = [source["name"] for source in sources]
    source, relative = parse_spec(spec, names)
    if source is None:
        path = Path(spec)
        if not path.is_file():
            hint = ""
            if SOURCE_SPEC.match(spec):
                hint = f" (and {spec.split(':')[0]!r} is not a source name: {', '.join(names)})"
            raise FileNotFoundError(f"generation input {spec!r}: no such file{hint}")
        return path
    looked = []
    if manifest is not None and Path(manifest).is_file():
        import pandas as pd

        table = pd.read_csv(manifest, usecols=["source", "path", "file", "status", "reason"],
                            dtype=str, keep_default_na=False)
        rows = table[(table["source"] == source) & (table["path"] == relative)]
        if len(rows):
            row = rows.iloc[0]
            if row["file"] and Path(row["file"]).is_file():
                return Path(row["file"])
            looked.append(f"manifest {manifest} lists it with status {row['status']}"
                          + (f" ({row['reason']})" if row["reason"] else "")
                          + (f" at {row['file']}, which does not exist" if row["file"] else ""))
        else:
            same = table[table["source"] == source]["path"].head(3).tolist()
            looked.append(f"not in manifest {manifest}"
                          + (f" (its {source} paths look like: {', '.join(same)})" if same else ""))
    folder = next(s for s in sources if s["name"] == source).get("path")
    if folder and not any(ch in folder for ch in "*?["):
        candidate = Path(folder) / relative
        if candidate.is_file():
            return candidate
        looked.append(f"not in {folder}")
    if not looked:
        looked.append("no manifest yet (run `snakemake data` first)")
    raise FileNotFoundError(f"generation input {spec!r}: {'; '.join(looked)}")
