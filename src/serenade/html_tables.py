"""CSV tables as a small self-contained HTML page, for the Snakemake report.

The report shows images and HTML pages inline but offers CSV and text files only as downloads,
so the tables people want to read there (data summary, music metrics, attribute effects) are also
written as HTML.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Sequence

import pandas as pd

_STYLE = """
body { font-family: system-ui, sans-serif; font-size: 14px; margin: 1em; color: #111; }
h1 { font-size: 1.3em; } h2 { font-size: 1.1em; margin-top: 1.5em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th { background: #eee; } td:first-child, th:first-child { text-align: left; }
p.empty { color: #666; font-style: italic; }
"""


def table_html(frame: pd.DataFrame, float_digits: int = 4) -> str:
    """One table, floats to `float_digits` significant digits, empty cells blank."""
    if frame.empty:
        return '<p class="empty">(none)</p>'
    return frame.to_html(index=False, na_rep="", border=0, escape=True,
                         float_format=lambda value: f"{value:.{float_digits}g}")


def write_html_tables(path: str | Path, title: str,
                      tables: Sequence[tuple[str, pd.DataFrame]], intro: str = "") -> Path:
    """Write `tables` (heading, frame) under `title` to one HTML page; returns the path."""
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
             f"</title><style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>"]
    if intro:
        parts.append(f"<p>{html.escape(intro)}</p>")
    for heading, frame in tables:
        parts.append(f"<h2>{html.escape(heading)}</h2>{table_html(frame)}")
    parts.append("</body></html>\n")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def csv_to_html(csv_path: str | Path, html_path: str | Path, title: str, intro: str = "") -> Path:
    """One CSV file as an HTML page."""
    return write_html_tables(html_path, title, [("", pd.read_csv(csv_path))], intro)
