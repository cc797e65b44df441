"""One HTML page that plays every generated piece of a model, offline, even inside the report.

Generation writes each piece as MIDI with a piano-roll PNG and a WAV of the same stem
(`serenade.generation.writing`). This page lists every rendered piece by folder (samples per
temperature, each interpolation and journey, the attribute edits) with its piano roll drawn as
inline SVG and a Play button that synthesizes its notes in the browser (Web Audio: a soft
triangle voice per note, a noise tick per drum hit), plus a link to the rendered WAV beside it where audio is on.

Why not the WAVs themselves inlined as data: URIs: Snakemake's single-file report shows an HTML
result in an iframe whose source is a data: URL, and Chromium loads no data: URL over 2 MB
(measured: a page of 1.8 MB, 5 six-second WAVs, stays blank), while a default run renders tens
of MB of WAV. Why not magenta.js's player: it loads its bundle and a soundfont from the network,
so it is silent offline. The notes take a few kB a piece, so this page plays offline anywhere;
the WAVs (FluidSynth's sound) stay one click away, and are the report's audio downloads.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path

from serenade.base.midi_parser import read_midi

PIXELS_PER_SECOND = 80
PIXELS_PER_PITCH = 3


@dataclass(frozen=True)
class Piece:
    """A generated piece: its folder (relative to the model's), stem, MIDI and WAV (None
    where audio is off)."""

    group: str
    name: str
    midi: Path
    wav: Path | None


def find_pieces(directory: str | Path) -> list[Piece]:
    """Every piece under `directory` (a model's generated folder): a MIDI file with the piano
    roll PNG generation writes beside each piece, and its WAV where audio is on; in folder then
    name order."""
    directory = Path(directory)
    pieces = []
    for midi in directory.rglob("*.mid"):
        if midi.with_suffix(".png").is_file():
            wav = midi.with_suffix(".wav")
            group = midi.parent.relative_to(directory).as_posix()
            pieces.append(Piece("" if group == "." else group, midi.stem, midi,
                                wav if wav.is_file() else None))
    return sorted(pieces, key=lambda p: (p.group, p.name))


def piece_notes(path: Path) -> list[list]:
    """A MIDI file's notes as [start, end, pitch, velocity, is drum], seconds to the ms."""
    return [[round(n.start_time, 3), round(n.end_time, 3), n.pitch, n.velocity, int(n.is_drum)]
            for n in sorted(read_midi(path).notes, key=lambda n: (n.start_time, n.pitch))]


def piano_roll_svg(notes: list[list], label: str) -> str:
    """The notes as an SVG piano roll: time to the right, pitch up, drums in a second colour."""
    end = max((n[1] for n in notes), default=1.0)
    low = min((n[2] for n in notes), default=60) - 2
    high = max((n[2] for n in notes), default=72) + 2
    width = max(120, round(end * PIXELS_PER_SECOND))
    height = max(40, (high - low) * PIXELS_PER_PITCH)
    rects = "".join(
        f'<rect x="{n[0] * PIXELS_PER_SECOND:.1f}" y="{(high - n[2] - 1) * PIXELS_PER_PITCH}" '
        f'width="{max(1.5, (n[1] - n[0]) * PIXELS_PER_SECOND):.1f}" height="{PIXELS_PER_PITCH}" '
        f'fill="{"#c0392b" if n[4] else "#2c3e80"}" fill-opacity="{0.35 + n[3] / 200:.2f}"/>'
        for n in notes)
    return (f'<svg role="img" aria-label="piano roll of {html.escape(label)}" '
            f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
            f'<rect width="{width}" height="{height}" fill="#f7f7f7"/>{rects}</svg>')


_STYLE = ("body{font-family:sans-serif;margin:1.5em;max-width:75em}"
          "figure{display:inline-block;margin:0 1.5em 1.5em 0;vertical-align:top}"
          "figcaption{font-weight:bold;margin-bottom:.3em}svg{display:block;border:1px solid #ccc}"
          "button{margin:.3em .5em 0 0}")

# Plays a piece's notes with Web Audio; `serenadePlayer.render(i)` renders one offline (tests).
_SCRIPT = """
const pieces = JSON.parse(document.getElementById('pieces').textContent);
let playing = null;
function schedule(ctx, notes, t0) {
  const out = ctx.createGain();
  out.gain.value = 0.25;
  out.connect(ctx.destination);
  for (const [start, end, pitch, velocity, drum] of notes) {
    const t = t0 + start, level = velocity / 127;
    const gain = ctx.createGain();
    gain.connect(out);
    if (drum) {
      const noise = ctx.createBuffer(1, Math.ceil(ctx.sampleRate * 0.12), ctx.sampleRate);
      const data = noise.getChannelData(0);
      for (let i = 0; i < data.length; i++) {
        data[i] = (Math.random() * 2 - 1) * (1 - i / data.length);
      }
      const source = ctx.createBufferSource();
      source.buffer = noise;
      gain.gain.value = level * (pitch < 40 ? 1.0 : 0.5);
      source.connect(gain);
      source.start(t);
    } else {
      const voice = ctx.createOscillator();
      voice.type = 'triangle';
      voice.frequency.value = 440 * Math.pow(2, (pitch - 69) / 12);
      const stop = Math.max(end, start + 0.05) + t0;
      gain.gain.setValueAtTime(0, t);
      gain.gain.linearRampToValueAtTime(level, t + 0.01);
      gain.gain.setTargetAtTime(level * 0.6, t + 0.01, 0.1);
      gain.gain.setTargetAtTime(0, stop, 0.08);
      voice.connect(gain);
      voice.start(t);
      voice.stop(stop + 0.5);
    }
  }
}
function length(notes) { return notes.reduce((end, n) => Math.max(end, n[1]), 0) + 0.6; }
function play(i) {
  if (playing) playing.close();
  playing = new AudioContext();
  schedule(playing, pieces[i], playing.currentTime + 0.05);
}
function stop() { if (playing) { playing.close(); playing = null; } }
function render(i, sampleRate = 22050) {
  const ctx = new OfflineAudioContext(1, Math.ceil(length(pieces[i]) * sampleRate), sampleRate);
  schedule(ctx, pieces[i], 0);
  return ctx.startRendering();
}
window.serenadePlayer = {pieces, play, stop, render};
"""


def render_player_page(pieces: list[Piece], title: str, note: str = "") -> str:
    """The page as HTML text (see module docstring); each piece's WAV linked by its path
    relative to the model's folder (where the page is written)."""
    parts = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
             f"<h1>{html.escape(title)}</h1>"]
    if note:
        parts.append(f"<p>{html.escape(note)}</p>")
    if not pieces:
        parts.append("<p>No pieces: generation wrote no MIDI here.</p>")
    group, all_notes = None, []
    for index, piece in enumerate(pieces):
        if piece.group != group:
            group = piece.group
            parts.append(f"<h2>{html.escape(group or 'pieces')}</h2>")
        notes = piece_notes(piece.midi)
        all_notes.append(notes)
        link = ""
        if piece.wav is not None:
            wav = "/".join(filter(None, (piece.group, piece.wav.name)))
            link = f'<a href="{html.escape(wav)}">rendered WAV</a>'
        parts.append(
            f'<figure class="piece"><figcaption>{html.escape(piece.name)}</figcaption>'
            f"{piano_roll_svg(notes, piece.name)}"
            f'<button onclick="serenadePlayer.play({index})">Play</button>'
            f'<button onclick="serenadePlayer.stop()">Stop</button>{link}</figure>')
    pieces_json = json.dumps(all_notes, separators=(",", ":")).replace("</", "<\\/")
    parts += [f'<script type="application/json" id="pieces">{pieces_json}</script>',
              f"<script>{_SCRIPT}</script>", "</body></html>"]
    return "\n".join(parts) + "\n"


def write_player_page(directory: str | Path, output: str | Path, title: str) -> int:
    """Write the page of every piece under `directory` to `output`; the number of pieces."""
    pieces = find_pieces(directory)
    note = ("Every generated piece with its piano roll. Play synthesizes its notes in the "
            "browser (a simple voice, offline)")
    if any(piece.wav is not None for piece in pieces):
        note += ("; the rendered WAV (the soundfont's sound) is in the same folder as this page "
                 "and in the report's audio downloads")
    note += "."
    Path(output).write_text(render_player_page(pieces, title, note), encoding="utf-8")
    return len(pieces)
