"""One HTML page that plays every generated piece of a model: its piano roll and its WAV.

Generation writes each piece as MIDI with a piano-roll PNG and a WAV of the same stem beside
it (`serenade.generation.writing`); this page gathers them by folder (samples per temperature,
each interpolation and journey, the attribute edits) with an `<audio>` player per piece. The
images and sounds are inlined as data: URIs and the page has no script, so it plays offline,
from the Snakemake report (zip or single HTML) or from any disk: no network, no soundfont.
That is why it plays the rendered WAVs rather than magenta.js's player, which fetches its
bundle and a soundfont over the network.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Piece:
    """A generated piece with audio: its folder (relative to the model's), stem and files."""

    group: str
    name: str
    wav: Path
    png: Path | None


def find_pieces(directory: str | Path) -> list[Piece]:
    """Every WAV under `directory` (a model's generated folder) with the PNG of its stem, in
    folder then name order."""
    directory = Path(directory)
    pieces = []
    for wav in sorted(directory.rglob("*.wav")):
        png = wav.with_suffix(".png")
        group = wav.parent.relative_to(directory).as_posix()
        pieces.append(Piece(group if group != "." else "", wav.stem, wav,
                            png if png.is_file() else None))
    return sorted(pieces, key=lambda p: (p.group, p.name))


def _data_uri(path: Path, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


_STYLE = ("body{font-family:sans-serif;margin:1.5em;max-width:70em}"
          "figure{display:inline-block;margin:0 1.5em 1.5em 0;vertical-align:top}"
          "figure img{display:block;max-width:32em;border:1px solid #ccc}"
          "figcaption{font-weight:bold;margin-bottom:.3em}audio{display:block;margin-top:.3em}")


def render_player_page(pieces: list[Piece], title: str, note: str = "") -> str:
    """The page as HTML text (see module docstring)."""
    parts = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
             f"<h1>{html.escape(title)}</h1>"]
    if note:
        parts.append(f"<p>{html.escape(note)}</p>")
    if not pieces:
        parts.append("<p>No audio: generation wrote no WAV (generate.audio.enabled is off?).</p>")
    group = None
    for piece in pieces:
        if piece.group != group:
            group = piece.group
            parts.append(f"<h2>{html.escape(group or 'pieces')}</h2>")
        label = html.escape(piece.name)
        image = (f'<img alt="piano roll of {label}" src="{_data_uri(piece.png, "image/png")}">'
                 if piece.png else "")
        parts.append(f"<figure><figcaption>{label}</figcaption>{image}"
                     f'<audio controls preload="auto" src="{_data_uri(piece.wav, "audio/wav")}">'
                     "</audio></figure>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_player_page(directory: str | Path, output: str | Path, title: str) -> int:
    """Write the page of every piece under `directory` to `output`; the number of pieces."""
    pieces = find_pieces(directory)
    note = ("Each generated piece with its piano roll and audio (the WAV rendered by "
            "generation); everything is inside this page, so it plays offline.")
    Path(output).write_text(render_player_page(pieces, title, note), encoding="utf-8")
    return len(pieces)
