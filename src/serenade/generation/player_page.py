"""One HTML page that plays every generated piece of a model, offline, even inside the report.

Generation writes each piece as MIDI with a piano-roll PNG and a WAV of the same stem
(`serenade.generation.writing`). This page lists every rendered piece by folder: samples per
temperature first (what a user looks for), then interpolations, journeys and attribute edits,
each with a piano roll that scrolls sideways, with a pitch axis and bar numbers
(`roll_svg`), a Play button that synthesizes its notes in the browser (Web Audio:
templates/player.js), and a link to the rendered WAV beside it where audio is on. The HTML is
the Jinja2 template templates/player.html.j2 (autoescaped).

Why not the WAVs themselves inlined as data: URIs: Snakemake's single-file report shows an HTML
result in an iframe whose source is a data: URL, and Chromium loads no data: URL over 2 MB
(measured: a page of 1.8 MB, 5 six-second WAVs, stays blank), while a default run renders tens
of MB of WAV. Why not `html-midi-player` (the web component on magenta.js), vendored: it is
built on `@magenta/music`, whose bundle carries TensorFlow.js and Tone.js (megabytes: the
page would no longer fit that data: URL), and its soundfont player loads samples from the
network (silent offline). The notes take a few kB a piece, so this page plays offline
anywhere; the WAVs (FluidSynth's sound) stay one click away, and are the report's audio
downloads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import jinja2

from serenade.base.midi_parser import read_midi
from serenade.generation.jobs.kinds import job_kinds
from serenade.generation.roll_svg import piano_roll


_TEMPLATES = jinja2.Environment(loader=jinja2.PackageLoader("serenade.generation", "templates"),
                                autoescape=True, keep_trailing_newline=True)


@dataclass(frozen=True)
class Piece:
    """A generated piece: its folder (relative to the model's), stem, MIDI and WAV (None
    where audio is off)."""

    group: str
    name: str
    midi: Path
    wav: Path | None


def _group_rank(group: str) -> tuple[int, str]:
    """A folder's place on the page: the job kinds' order; any other folder after them."""
    order = [kind.folder for kind in job_kinds()]
    top = group.split("/")[0]
    return (order.index(top) if top in order else len(order), group)


def find_pieces(directory: str | Path) -> list[Piece]:
    """Every piece under `directory` (a model's generated folder): a MIDI file with the piano
    roll PNG generation writes beside each piece, and its WAV where audio is on; samples,
    interpolations, journeys, attributes, variations (the job kinds' order), then by folder and
    name."""
    directory = Path(directory)
    pieces = []
    for midi in directory.rglob("*.mid"):
        if midi.with_suffix(".png").is_file():
            wav = midi.with_suffix(".wav")
            group = midi.parent.relative_to(directory).as_posix()
            pieces.append(Piece("" if group == "." else group, midi.stem, midi,
                                wav if wav.is_file() else None))
    return sorted(pieces, key=lambda p: (_group_rank(p.group), p.name))


def piece_notes(sequence) -> list[list]:
    """A NoteSequence's notes as [start, end, pitch, velocity, is drum], seconds to the ms."""
    return [[round(n.start_time, 3), round(n.end_time, 3), n.pitch, n.velocity, int(n.is_drum)]
            for n in sorted(sequence.notes, key=lambda n: (n.start_time, n.pitch))]


def bar_seconds(sequence) -> float:
    """The length of a bar at the sequence's first tempo and time signature (default 120 qpm,
    4/4, as MIDI)."""
    qpm = sequence.tempos[0].qpm if sequence.tempos else 120.0
    numerator, denominator = 4, 4
    if sequence.time_signatures:
        signature = sequence.time_signatures[0]
        numerator, denominator = signature.numerator, signature.denominator
    return 60.0 / qpm * numerator * 4.0 / denominator


def render_player_page(pieces: list[Piece], title: str, note: str = "") -> str:
    """The page as HTML text (see module docstring); each piece's WAV linked by its path
    relative to the model's folder (where the page is written)."""
    groups: list[dict] = []
    all_notes = []
    for index, piece in enumerate(pieces):
        sequence = read_midi(piece.midi)
        notes = piece_notes(sequence)
        all_notes.append(notes)
        if not groups or groups[-1]["name"] != piece.group:
            groups.append({"name": piece.group, "pieces": []})
        wav = None if piece.wav is None else "/".join(filter(None, (piece.group, piece.wav.name)))
        groups[-1]["pieces"].append({"index": index, "name": piece.name, "wav": wav,
                                     "roll": piano_roll(notes, bar_seconds(sequence), piece.name)})
    notes_json = json.dumps(all_notes, separators=(",", ":")).replace("</", "<\\/")
    return _TEMPLATES.get_template("player.html.j2").render(
        title=title, note=note, groups=groups, notes_json=notes_json)


def write_player_page(directory: str | Path, output: str | Path, title: str) -> int:
    """Write the page of every piece under `directory` to `output`; the number of pieces."""
    pieces = find_pieces(directory)
    note = ("Every generated piece with its piano roll (scroll sideways for long pieces). Play "
            "synthesizes its notes in the browser (a simple voice, offline)")
    if any(piece.wav is not None for piece in pieces):
        note += ("; the rendered WAV (the soundfont's sound) is in the same folder as this page "
                 "and in the report's audio downloads")
    note += "."
    Path(output).write_text(render_player_page(pieces, title, note), encoding="utf-8")
    return len(pieces)
