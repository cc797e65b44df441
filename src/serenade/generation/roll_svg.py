"""A piece's notes as an SVG piano roll with a pitch axis and bar numbers, for the player page.

Two SVGs: the pitch axis (note names at every C and G) stays put at the left while the roll beside
it scrolls horizontally, so a long journey is scrolled through, never cut off at the edge.
Bars are numbered from 1 over dashed bar lines, from the piece's first tempo and time
signature (what generation writes).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

PIXELS_PER_SECOND = 80
PIXELS_PER_PITCH = 4
TOP = 14  # room for the bar numbers
AXIS_WIDTH = 34
NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


@dataclass(frozen=True)
class Roll:
    """The two SVGs of one piece, and its size in pixels."""

    axis: str
    roll: str
    width: int
    height: int


def pitch_name(pitch: int) -> str:
    """MIDI pitch -> scientific name (60 -> C4)."""
    return f"{NAMES[pitch % 12]}{pitch // 12 - 1}"


def piano_roll(notes: list[list], bar_seconds: float, label: str) -> Roll:
    """`notes` as [start, end, pitch, velocity, is drum] (seconds); drums in a second colour.
    `label` names the roll for screen readers."""
    end = max((n[1] for n in notes), default=1.0)
    low = min((n[2] for n in notes), default=60) - 2
    high = max((n[2] for n in notes), default=72) + 2
    if high - low < 14:  # at least an octave and a bit: a C and a G on the axis
        low -= (14 - (high - low)) // 2
        high = low + 14
    width = max(120, round(end * PIXELS_PER_SECOND) + 4)
    height = TOP + max(40, (high - low) * PIXELS_PER_PITCH)

    def y(pitch: int) -> float:
        return TOP + (high - pitch - 1) * PIXELS_PER_PITCH

    octaves = [p for p in range(low, high) if p % 12 == 0]
    grid = "".join(f'<line class="octave" x1="0" x2="{width}" y1="{y(p) + PIXELS_PER_PITCH}" '
                   f'y2="{y(p) + PIXELS_PER_PITCH}"/>' for p in octaves)
    bars, bar = [], 0
    while bar_seconds > 0 and (bar == 0 or bar * bar_seconds < end - 1e-6):
        x = bar * bar_seconds * PIXELS_PER_SECOND
        bars.append(f'<line class="bar" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP - 3}" y2="{height}"/>'
                    f'<text class="bar-number" x="{x + 2:.1f}" y="{TOP - 4}">{bar + 1}</text>')
        bar += 1
    rects = "".join(
        f'<rect class="note{" drum" if n[4] else ""}" x="{n[0] * PIXELS_PER_SECOND:.1f}" '
        f'y="{y(n[2])}" width="{max(1.5, (n[1] - n[0]) * PIXELS_PER_SECOND):.1f}" '
        f'height="{PIXELS_PER_PITCH}" fill-opacity="{0.35 + n[3] / 200:.2f}"/>' for n in notes)
    roll = (f'<svg class="roll" role="img" aria-label="piano roll of {html.escape(label)}" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}">'
            f'<rect class="ground" x="0" y="{TOP}" width="{width}" height="{height - TOP}"/>'
            f"{grid}{''.join(bars)}{rects}</svg>")
    labels = "".join(f'<text class="pitch" x="{AXIS_WIDTH - 3}" y="{y(p) + PIXELS_PER_PITCH}">'
                     f"{pitch_name(p)}</text>" for p in range(low, high) if p % 12 in (0, 7))
    axis = (f'<svg class="pitch-axis" aria-hidden="true" width="{AXIS_WIDTH}" height="{height}" '
            f'viewBox="0 0 {AXIS_WIDTH} {height}">{labels}</svg>')
    return Roll(axis, roll, width, height)
