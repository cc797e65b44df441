"""Piano-roll images: one PNG per MIDI file, and a strip of small rolls for a series of outputs
(the steps of an interpolation, the segments of a journey).

Time runs left to right in bars (from the sequence's first tempo and a 4/4 bar), pitch bottom to
top with C marked on the axis; velocity sets the shade, and each instrument (the melody, bass
and drum parts of a trio) has its own colour. Drums are drawn on a grid of their own, one row per
kit piece (General MIDI names), below the pitched parts. matplotlib runs on the Agg backend (no
display needed).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from pathlib import Path

from note_seq.protobuf import music_pb2

from serenade.base.general_midi import drum_name

PITCH_MARGIN = 2
# One colour map per instrument of a sequence, in instrument order (melody, bass, ...).
INSTRUMENT_COLOURS = (("Blues", "#08306b"), ("Oranges", "#7f2704"), ("Greens", "#00441b"),
                      ("Purples", "#3f007d"))
DRUM_COLOUR = "#a50f15"


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _seconds_per_bar(sequence: music_pb2.NoteSequence) -> float:
    qpm = sequence.tempos[0].qpm if sequence.tempos else 120.0
    quarters = 4.0
    if sequence.time_signatures:
        ts = sequence.time_signatures[0]
        quarters = ts.numerator * 4.0 / ts.denominator
    return 60.0 / qpm * quarters


def _pitch_limits(sequences: Sequence[music_pb2.NoteSequence]) -> tuple[int, int]:
    pitches = [note.pitch for sequence in sequences for note in sequence.notes if not note.is_drum]
    if not pitches:
        return 60 - 6, 60 + 6
    low, high = min(pitches) - PITCH_MARGIN, max(pitches) + PITCH_MARGIN
    if high - low < 12:  # at least an octave, so single notes do not fill the panel
        middle = (low + high) // 2
        low, high = middle - 6, middle + 6
    return low, high


def _draw(axis, sequence: music_pb2.NoteSequence, pitch_range: tuple[int, int],
          bars: float | None = None) -> None:
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    per_bar = _seconds_per_bar(sequence)
    instruments = sorted({note.instrument for note in sequence.notes if not note.is_drum})
    for index, instrument in enumerate(instruments):
        rectangles, shades = [], []
        for note in sequence.notes:
            if note.is_drum or note.instrument != instrument:
                continue
            start, end = note.start_time / per_bar, note.end_time / per_bar
            rectangles.append(Rectangle((start, note.pitch - 0.4), max(end - start, 1e-3), 0.8))
            shades.append(0.35 + 0.65 * note.velocity / 127.0)
        cmap, edge = INSTRUMENT_COLOURS[index % len(INSTRUMENT_COLOURS)]
        collection = PatchCollection(rectangles, cmap=cmap, edgecolor=edge, linewidth=0.4)
        collection.set_array(shades)
        collection.set_clim(0.0, 1.0)
        axis.add_collection(collection)
    total = _bar_axis(axis, sequence, bars)
    axis.set_ylim(pitch_range[0] - 0.5, pitch_range[1] + 0.5)
    cs = [p for p in range(pitch_range[0], pitch_range[1] + 1) if p % 12 == 0]
    axis.set_yticks(cs)
    axis.set_yticklabels([f"C{p // 12 - 1}" for p in cs], fontsize=7)
    for c in cs:
        axis.axhline(c - 0.5, color="#eeeeee", linewidth=0.6, zorder=0)


def _bar_axis(axis, sequence: music_pb2.NoteSequence, bars: float | None) -> int:
    """Bars on the x axis with a line at each bar; returns the number of bars shown."""
    total = bars if bars is not None else max(sequence.total_time / _seconds_per_bar(sequence), 1.0)
    total = max(math.ceil(total - 1e-6), 1)
    axis.set_xlim(0, total)
    for bar in range(1, total):
        axis.axvline(bar, color="#bbbbbb", linewidth=0.6, zorder=0)
    axis.set_xticks(range(0, total + 1, max(1, total // 8)))
    axis.tick_params(axis="x", labelsize=7)
    return total


def _has_drums(sequence: music_pb2.NoteSequence) -> bool:
    return any(note.is_drum for note in sequence.notes)


def _has_pitched(sequence: music_pb2.NoteSequence) -> bool:
    return any(not note.is_drum for note in sequence.notes)


def _draw_drums(axis, sequence: music_pb2.NoteSequence, bars: float | None = None) -> None:
    """A drum grid: one row per kit piece played, a mark at each hit (shade: velocity)."""
    per_bar = _seconds_per_bar(sequence)
    pitches = sorted({note.pitch for note in sequence.notes if note.is_drum})
    row_of = {pitch: row for row, pitch in enumerate(pitches)}
    hits = [(note.start_time / per_bar, row_of[note.pitch], note.velocity)
            for note in sequence.notes if note.is_drum]
    if hits:
        x, y, velocity = zip(*hits)
        axis.scatter(x, y, s=14, marker="s", c=DRUM_COLOUR,
                     alpha=[0.35 + 0.65 * v / 127.0 for v in velocity], linewidths=0)
    _bar_axis(axis, sequence, bars)
    axis.set_ylim(-0.7, max(len(pitches), 1) - 0.3)
    axis.set_yticks(range(len(pitches)))
    axis.set_yticklabels([drum_name(p) for p in pitches], fontsize=6)
    for row in range(len(pitches)):
        axis.axhline(row, color="#f0f0f0", linewidth=0.5, zorder=0)


def _draw_any(axis, sequence: music_pb2.NoteSequence, pitch_range: tuple[int, int]) -> None:
    """A drum grid for a drums-only sequence, pitched parts otherwise (in a small panel)."""
    if _has_drums(sequence) and not _has_pitched(sequence):
        _draw_drums(axis, sequence)
    else:
        _draw(axis, sequence, pitch_range)


def plot_piano_roll(sequence: music_pb2.NoteSequence, path: str | Path, *,
                    title: str | None = None) -> Path:
    """Write the piano roll of `sequence` to the PNG `path`."""
    plt = _pyplot()
    per_bar = _seconds_per_bar(sequence)
    bars = max(sequence.total_time / per_bar, 1.0)
    width = min(max(4.0, 0.9 * bars + 1.5), 24.0)
    pitched, drums = _has_pitched(sequence), _has_drums(sequence)
    if pitched and drums:
        figure, (top, bottom) = plt.subplots(2, 1, figsize=(width, 4.5), dpi=100, sharex=True,
                                             gridspec_kw={"height_ratios": [2, 1]})
    else:
        figure, axis = plt.subplots(figsize=(width, 3.0), dpi=100)
        top = bottom = axis
    try:
        if pitched or not drums:
            _draw(top, sequence, _pitch_limits([sequence]))
        if drums:
            _draw_drums(bottom, sequence)
        bottom.set_xlabel("bar", fontsize=8)
        if title:
            top.set_title(title, fontsize=9)
        return _save(figure, path)
    finally:
        plt.close(figure)


def _save(figure, path: str | Path) -> Path:
    figure.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    return path


def plot_strip(sequences: Sequence[music_pb2.NoteSequence], path: str | Path, *,
               titles: Sequence[str] | None = None, title: str | None = None,
               columns: int = 8) -> Path:
    """Small piano rolls side by side (wrapping after `columns`), sharing one pitch range."""
    if not sequences:
        raise ValueError(f"{path}: a strip needs at least one sequence")
    plt = _pyplot()
    columns = min(columns, len(sequences))
    rows = math.ceil(len(sequences) / columns)
    # long passages (a whole edited piece) get wider panels than 2-bar steps
    bars = max(sequence.total_time / _seconds_per_bar(sequence) for sequence in sequences)
    panel = min(max(1.9, 0.9 * bars), 16.0)
    # pitched panels share one pitch axis; drum grids label their own rows
    drum_grids = any(_has_drums(s) and not _has_pitched(s) for s in sequences)
    figure, axes = plt.subplots(rows, columns, figsize=(panel * columns + 0.6, 1.9 * rows + 0.5),
                                dpi=100, squeeze=False, sharey=not drum_grids)
    try:
        pitch_range = _pitch_limits(sequences)
        for index, axis in enumerate(axes.flat):
            if index >= len(sequences):
                axis.set_visible(False)
                continue
            _draw_any(axis, sequences[index], pitch_range)
            if titles:
                axis.set_title(titles[index], fontsize=8)
        if title:
            # wrap long titles (a file path, say) to the figure's width instead of cutting them
            characters = max(20, int(figure.get_figwidth() * 11))
            figure.suptitle(textwrap.fill(title, characters), fontsize=10)
        return _save(figure, path)
    finally:
        plt.close(figure)


def midi_to_png(midi_path: str | Path, png_path: str | Path | None = None, *,
                title: str | None = None) -> Path:
    """Piano roll of a MIDI file, by default beside it with the same stem."""
    from serenade.base.midi_parser import read_midi

    midi_path = Path(midi_path)
    png_path = Path(png_path) if png_path else midi_path.with_suffix(".png")
    return plot_piano_roll(read_midi(midi_path), png_path, title=title or midi_path.stem)
